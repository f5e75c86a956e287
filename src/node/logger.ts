import { pino } from 'pino'
import type { Logger } from '../log.js'
import { humanLogStream } from './humanLogStream.js'

/** json: pino JSON lines; pretty: human lines; auto: human on a terminal, JSON when piped or redirected. */
export type LogFormat = 'auto' | 'json' | 'pretty'

/**
 * The root pino logger: JSON lines on stderr, with redaction as a second line of defence
 * (secrets should never reach a log call in the first place).
 */
export function createRootLogger(opts: {
  level: string
  name: string
  destination?: NodeJS.WritableStream
  format?: LogFormat
}): Logger {
  const out = opts.destination ?? process.stderr
  const format = opts.format ?? 'json'
  const human = format === 'pretty' || (format === 'auto' && (out as { isTTY?: boolean }).isTTY === true)
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
    (human ? humanLogStream(out) : out) as pino.DestinationStream,
  ) as unknown as Logger
}
