import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { DstackClient } from '../../test/clients/dstack-sdk/index.js'
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
      const r = await fetch(`${l.httpUrl}/Echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"b":2}',
      })
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

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
function tcpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'POST', headers: opts.headers, agent: false }, (res) => {
      let data = ''
      res.on('data', (c) => {
        data += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : {} }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

describe('serveGuestApi: the TCP port refuses what a web page could send (CSRF, DNS rebinding)', () => {
  const guest = new Hono()
  guest.post('/GetKey', () => asciiJson({ key: '11'.repeat(32), signature_chain: ['aa', 'bb'] }))
  guest.post('/Version', () => asciiJson({ version: '0.5.8', rev: 'custos' }))
  guest.get('/Info', () => asciiJson({ app_id: 'x' }))

  it('a POST needs Content-Type: application/json (text/plain, form or none → 415 JSON error)', async () => {
    const l = await serveGuestApi(guest, { port: 0 })
    try {
      for (const ct of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', undefined]) {
        const r = await tcpRequest(`${l.httpUrl}/GetKey`, {
          headers: ct ? { 'content-type': ct } : {},
          body: '{"path":"a"}',
        })
        expect(r.status, String(ct)).toBe(415)
        expect(r.json.code).toBe('NET_JSON_REQUIRED')
        expect(r.json.error).toMatch(/application\/json/)
      }
      const ok = await tcpRequest(`${l.httpUrl}/GetKey`, {
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{"path":"a"}',
      })
      expect(ok.status).toBe(200)
    } finally {
      await l.close()
    }
  })

  it('on loopback, a Host header other than localhost/127.0.0.1/[::1]/the bound address → 403', async () => {
    const l = await serveGuestApi(guest, { port: 0 })
    try {
      const json = { 'content-type': 'application/json' }
      for (const host of [
        'attacker.example',
        'attacker.example:80',
        '127.0.0.1.nip.io',
        'localhost.attacker.example',
      ]) {
        const r = await tcpRequest(`${l.httpUrl}/GetKey`, { headers: { ...json, host }, body: '{}' })
        expect(r.status, host).toBe(403)
        expect(r.json.code).toBe('NET_HOST_NOT_ALLOWED')
        expect(r.json.key).toBeUndefined()
        const g = await tcpRequest(`${l.httpUrl}/Info`, { method: 'GET', headers: { host } })
        expect(g.status, host).toBe(403)
      }
      for (const host of [
        'localhost',
        'localhost:8090',
        '127.0.0.1',
        `127.0.0.1:${new URL(l.httpUrl!).port}`,
        '[::1]:1',
      ]) {
        const r = await tcpRequest(`${l.httpUrl}/GetKey`, { headers: { ...json, host }, body: '{}' })
        expect(r.status, host).toBe(200)
      }
    } finally {
      await l.close()
    }
  })

  it('@phala/dstack-sdk keeps working over the unix socket and the TCP port', async () => {
    const path = join(dir, 'sdk.sock')
    const l = await serveGuestApi(guest, { socketPath: path, port: 0 })
    try {
      for (const endpoint of [path, l.httpUrl!]) {
        const k = await new DstackClient(endpoint).getKey('wallet', 'signing')
        expect(Buffer.from(k.key).toString('hex'), endpoint).toBe('11'.repeat(32))
      }
    } finally {
      await l.close()
    }
  })
})
