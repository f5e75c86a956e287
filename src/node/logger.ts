import { pino } from 'pino'
import type { Logger } from '../log.js'

/**
 * The root pino logger: JSON lines on stderr, with redaction as a second line of defence
 * (secrets should never reach a log call in the first place).
 */
export function createRootLogger(opts: { level: string; name: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level,
      redact: {
        paths: ['*.password', '*.secret', '*.share', '*.key', '*.privateKey', 'req.headers.authorization'],
        censor: '[redacted]',
      },
      base: { name: opts.name },
    },
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  ) as unknown as Logger
}
