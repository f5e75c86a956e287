import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { rawRequest } from '../../test/support/http.js'
import type { RpcMethod } from '../kms/index.js'
import { memoryLogger } from '../log.js'
import { createMetrics } from './metrics.js'
import { createPrpcApp } from './prpc.js'
import { type Listening, listen } from './server.js'

const open: Listening[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()))
})

/** An onboard-like service: one state-changing method, one read-only one. */
async function serve(opts: { service?: string; guard?: boolean } = {}) {
  const calls: unknown[] = []
  const methods: RpcMethod[] = [
    {
      name: 'Bootstrap',
      input: z.object({ domain: z.string() }),
      run: async (input) => {
        calls.push(input)
        return { ok: true }
      },
    },
    { name: 'GetAttestationInfo', input: z.object({}).passthrough(), readOnly: true, run: async () => ({ info: 1 }) },
  ]
  const logger = memoryLogger()
  const metrics = createMetrics({ defaults: false })
  const app = createPrpcApp({
    service: opts.service ?? 'Onboard',
    methods,
    logger,
    metrics,
    maxBodyBytes: 64 * 1024,
    simulated: false,
    ...(opts.guard === false ? {} : { browserGuard: { listenHost: '127.0.0.1' } }),
  })
  const l = await listen(app, '127.0.0.1:0')
  open.push(l)
  return { url: l.url, port: l.port, calls, logger, metrics }
}

describe('prpc browser guard (onboard listener): CSRF and DNS rebinding', () => {
  it('a state-changing call needs POST + Content-Type: application/json; text/plain, forms, none and GET are refused', async () => {
    const s = await serve()
    const body = JSON.stringify({ domain: 'kms.example' })
    for (const ct of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', undefined]) {
      const r = await rawRequest(`${s.url}/prpc/Onboard.Bootstrap?json`, {
        body,
        headers: ct ? { 'content-type': ct } : {},
      })
      expect(r.status, String(ct)).toBe(415)
      expect(r.json()).toMatchObject({ code: 'NET_JSON_REQUIRED', error: expect.stringMatching(/application\/json/) })
    }
    const get = await rawRequest(`${s.url}/prpc/Bootstrap?domain=kms.example`, { method: 'GET' })
    expect(get.status).toBe(405)
    expect(s.calls).toEqual([])
    const ok = await rawRequest(`${s.url}/prpc/Onboard.Bootstrap?json`, {
      body,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(ok.status).toBe(200)
    expect(s.calls).toEqual([{ domain: 'kms.example' }])
  })

  it('read-only methods stay callable by GET and without a JSON content type', async () => {
    const s = await serve()
    expect((await rawRequest(`${s.url}/prpc/GetAttestationInfo?json`, { method: 'GET' })).status).toBe(200)
    const r = await rawRequest(`${s.url}/prpc/GetAttestationInfo?json`, {
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    })
    expect(r.status).toBe(200)
  })

  it('on loopback, a foreign Host header is refused with 403 JSON on every route; loopback names pass', async () => {
    const s = await serve()
    const json = { 'content-type': 'application/json' }
    for (const host of ['attacker.example', `attacker.example:${s.port}`, '127.0.0.1.attacker.example']) {
      for (const path of ['/prpc/Onboard.Bootstrap?json', '/prpc/GetAttestationInfo?json', '/health']) {
        const r = await rawRequest(`${s.url}${path}`, { body: '{"domain":"x"}', headers: { ...json, host } })
        expect(r.status, `${host} ${path}`).toBe(403)
        expect(r.json()).toMatchObject({ code: 'NET_HOST_NOT_ALLOWED', error: expect.stringMatching(/Host header/) })
      }
    }
    expect(s.calls).toEqual([])
    for (const host of ['localhost', `127.0.0.1:${s.port}`, '[::1]:8000']) {
      const r = await rawRequest(`${s.url}/prpc/Bootstrap?json`, { body: '{"domain":"x"}', headers: { ...json, host } })
      expect(r.status, host).toBe(200)
    }
  })

  it('without the guard (KMS main service over attested TLS) dstack clients keep `?json` with any content type', async () => {
    const s = await serve({ service: 'KMS', guard: false })
    const r = await rawRequest(`${s.url}/prpc/Bootstrap?json`, {
      body: '{"domain":"x"}',
      headers: { 'content-type': 'text/plain', host: 'kms.example' },
    })
    expect(r.status).toBe(200)
  })
})

describe('prpc: a client that aborts mid-body', () => {
  for (const service of ['KMS', 'Onboard'])
    it(`${service}: is counted as 499 and logged at debug, not as a 500 error`, async () => {
      const s = await serve({ service, guard: service === 'Onboard' })
      await new Promise<void>((resolve, reject) => {
        const sock = connect(s.port, '127.0.0.1', () => {
          sock.write(
            `POST /prpc/Bootstrap?json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
              'Content-Length: 1000\r\n\r\n{"domain":',
          )
          setTimeout(() => {
            sock.destroy()
            resolve()
          }, 50)
        })
        sock.on('error', reject)
      })
      const line = new RegExp(
        `custos_rpc_request_duration_seconds_count\\{service="${service}",method="Bootstrap",status="(\\d+)"\\} 1`,
      )
      let status: string | undefined
      for (let i = 0; i < 100 && status === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20))
        status = line.exec(await s.metrics.registry.metrics())?.[1]
      }
      expect(status).toBe('499')
      expect(s.logger.entries.filter((e) => e.level === 'error')).toEqual([])
      expect(s.logger.entries.some((e) => e.level === 'debug' && /client closed/.test(e.msg))).toBe(true)
      expect(s.calls).toEqual([])
    })
})
