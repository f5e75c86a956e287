/**
 * The small logger surface domains depend on (a pino subset). `node/` creates the pino root logger
 * and hands `logger.child({ module })` down; domains never import pino. Context object first,
 * constant message: `log.info({ appId, reason }, 'policy decision')`. Never log secrets.
 */
export interface Logger {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
  child(bindings: Record<string, unknown>): Logger
}

/** Logger that drops everything (tests, library use). */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger
  },
}

/** Logger that records entries in memory (tests that assert on decisions or on the absence of secrets). */
export function memoryLogger(): Logger & { entries: Array<{ level: string; msg: string; obj: object }> } {
  const entries: Array<{ level: string; msg: string; obj: object }> = []
  const make = (bindings: Record<string, unknown>): Logger => {
    const at = (level: string) => (obj: object, msg: string) => {
      entries.push({ level, msg, obj: { ...bindings, ...obj } })
    }
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (b) => make({ ...bindings, ...b }),
    }
  }
  return Object.assign(make({}), { entries })
}
