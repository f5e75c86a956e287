import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { asciiJson } from './guestApi.js'
import { serveGuestApi } from './serveGuestApi.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-agent-sock-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const app = new Hono()
app.post('/Echo', async (c) => asciiJson({ got: await c.req.json(), text: 'ünïcode' }))

/** Raw HTTP/1.1 over the unix socket, as @phala/dstack-sdk writes it. */
function rawSocketRequest(path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ path }, () => {
      s.write(`POST /Echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n`)
      s.write(`Content-Length: ${body.length}\r\n\r\n${body}`)
    })
    let data = ''
    s.on('data', (c) => {
      data += c
      if (/\r\n\r\n/.test(data)) {
        const len = Number(/content-length: (\d+)/i.exec(data)?.[1] ?? -1)
        if (data.length - data.indexOf('\r\n\r\n') - 4 >= len) s.end()
      }
    })
    s.on('end', () => resolve(data))
    s.on('error', reject)
  })
}

describe('serveGuestApi', () => {
  it('unix socket: mode 0600, Content-Length, not chunked, ASCII body; loopback TCP too', async () => {
    const path = join(dir, 'a.sock')
    const l = await serveGuestApi(app, { socketPath: path, port: 0 })
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600)
      const raw = await rawSocketRequest(path, '{"a":1}')
      const [head, body] = raw.split('\r\n\r\n') as [string, string]
      expect(head).toMatch(/^HTTP\/1\.1 200/)
      expect(head.toLowerCase()).not.toContain('transfer-encoding')
      expect(Number(/content-length: (\d+)/i.exec(head)?.[1])).toBe(body.length)
      expect(Buffer.byteLength(body) === body.length).toBe(true)
      expect(JSON.parse(body)).toEqual({ got: { a: 1 }, text: 'ünïcode' })
      expect(l.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const r = await fetch(`${l.httpUrl}/Echo`, { method: 'POST', body: '{"b":2}' })
      expect(await r.json()).toEqual({ got: { b: 2 }, text: 'ünïcode' })
    } finally {
      await l.close()
    }
  })

  it('replaces a stale socket, refuses to clobber a regular file', async () => {
    const path = join(dir, 'b.sock')
    // a socket left behind by a crashed process
    execFileSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`,
    ])
    expect(statSync(path).isSocket()).toBe(true)
    const second = await serveGuestApi(app, { socketPath: path })
    await second.close()
    const file = join(dir, 'not-a-socket')
    writeFileSync(file, 'x')
    await expect(serveGuestApi(app, { socketPath: file })).rejects.toMatchObject({ code: 'AGENT_LISTEN_FAILED' })
    await expect(serveGuestApi(app, {})).rejects.toMatchObject({ code: 'AGENT_LISTEN_FAILED' })
  })
})
