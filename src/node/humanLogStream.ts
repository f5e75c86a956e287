/**
 * Human-readable log lines for a terminal: `12:04:05.123 WARN  [devnet peer] message key=value …`. pino still
 * serialises (and redacts) every entry; this stream only re-renders the JSON line, so what is hidden in JSON
 * stays hidden here. A line that is not pino JSON is passed through unchanged.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'module', 'v'])

function renderValue(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:/@+-]*$/.test(v) && v !== '' ? v : JSON.stringify(v)
  return JSON.stringify(v) ?? String(v)
}

/** One pino JSON line as a human line (no trailing newline); undefined when it is not a pino entry. */
export function humanLogLine(line: string): string | undefined {
  let e: Record<string, unknown>
  try {
    e = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (!e || typeof e !== 'object' || typeof e.level !== 'number' || typeof e.msg !== 'string') return undefined
  const t = typeof e.time === 'number' ? new Date(e.time).toISOString().slice(11, 23) : ''
  const where = [e.name, e.module].filter((x) => typeof x === 'string' && x !== '').join(' ')
  const fields = Object.entries(e)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${renderValue(v)}`)
  return [t, LEVELS[e.level] ?? String(e.level), where ? `[${where}]` : '', e.msg, ...fields]
    .filter((x) => x !== '')
    .join(' ')
}

/** A pino destination that writes human lines to `out`. */
export function humanLogStream(out: NodeJS.WritableStream): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      const text = chunk
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => humanLogLine(l) ?? l)
        .join('\n')
      return out.write(`${text}\n`)
    },
  }
}
