import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { humanLogLine } from './humanLogStream.js'
import { createRootLogger } from './logger.js'

function capture(isTTY: boolean): { out: Writable & { isTTY?: boolean }; text: () => string } {
  let buf = ''
  const out = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk)
      cb()
    },
  }) as Writable & { isTTY?: boolean }
  out.isTTY = isTTY
  return { out, text: () => buf }
}

describe('log format', () => {
  it('auto: human lines on a terminal (redaction still applies), JSON when piped; json and pretty force it', async () => {
    const tty = capture(true)
    const log = createRootLogger({ level: 'info', name: 'devnet', destination: tty.out, format: 'auto' })
    log
      .child({ module: 'peer' })
      .warn({ peer: 3, reason: 'wrong epoch', cfg: { key: 'secret-bytes' } }, 'envelope dropped')
    const line = tty.text().trim()
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[devnet peer\] envelope dropped peer=3 /)
    expect(line).toContain('reason="wrong epoch"')
    expect(line).toContain('cfg={"key":"[redacted]"}') // pino redacts before this stream renders
    expect(line).not.toContain('secret-bytes')
    expect(line).not.toContain('"level"')

    const piped = capture(false)
    createRootLogger({ level: 'info', name: 'devnet', destination: piped.out, format: 'auto' }).info({ a: 1 }, 'x')
    expect(JSON.parse(piped.text())).toMatchObject({ level: 30, name: 'devnet', a: 1, msg: 'x' })
    const forcedJson = capture(true)
    createRootLogger({ level: 'info', name: 'n', destination: forcedJson.out, format: 'json' }).info({}, 'y')
    expect(JSON.parse(forcedJson.text()).msg).toBe('y')
    const forcedPretty = capture(false)
    createRootLogger({ level: 'info', name: 'n', destination: forcedPretty.out, format: 'pretty' }).error({}, 'z')
    expect(forcedPretty.text()).toMatch(/ERROR \[n\] z\n$/)
  })

  it('passes through what is not a pino entry', () => {
    expect(humanLogLine('not json')).toBeUndefined()
    expect(humanLogLine('{"level":"x"}')).toBeUndefined()
  })
})
