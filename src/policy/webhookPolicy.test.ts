import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Identity } from '../attestation/index.js'
import { memoryLogger } from '../log.js'
import { createAuthApp } from './authServer.js'
import { writeExamplePolicy } from './buildStaticPolicy.js'
import { createPolicy } from './createPolicy.js'
import { StaticPolicy } from './staticPolicy.js'
import type { PolicyRole } from './types.js'
import { WEBHOOK_UNAVAILABLE, WebhookPolicy } from './webhookPolicy.js'

const h = (n: number, b: number) => new Uint8Array(n).fill(b)
const hex = (n: number, b: number) => Buffer.from(h(n, b)).toString('hex')
const identity = (over: Partial<Identity> = {}): Identity => ({
  platform: 'tdx',
  tcbStatus: 'UpToDate',
  advisoryIds: [],
  debug: false,
  mrAggregated: h(32, 0x02),
  mrSystem: h(32, 0x77),
  osImageHash: h(32, 0x01),
  composeHash: h(32, 0x05),
  appId: h(20, 0x04),
  instanceId: h(20, 0x78),
  deviceId: h(32, 0x03),
  keyProviderInfo: new Uint8Array(0),
  reportData: h(64, 0),
  measurements: {},
  ...over,
})

const servers: Server[] = []
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler)
  servers.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}
const closeAll = async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
}
afterAll(closeAll)

const readBody = (req: IncomingMessage) =>
  new Promise<string>((r) => {
    let b = ''
    req.on('data', (c) => {
      b += c
    })
    req.on('end', () => r(b))
  })

describe('WebhookPolicy ↔ createAuthApp (Custos serving its own static policy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-webhook-'))
  const file = join(dir, 'policy.json')
  let url = ''
  let local: StaticPolicy
  beforeAll(async () => {
    writeExamplePolicy(file, {
      gatewayAppId: 'gw-rt',
      osImages: [h(32, 0x01)],
      allowedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'],
      allowedAdvisoryIds: ['INTEL-SA-00615'],
      kms: { mrAggregated: [h(32, 0x02)], devices: [h(32, 0x03)] },
      apps: [
        { appId: h(20, 0x04), composeHashes: [h(32, 0x05)], devices: [h(32, 0x06)] },
        { appId: h(20, 0x40), composeHashes: [h(32, 0x05)], allowAnyDevice: true },
      ],
    })
    local = new StaticPolicy({ file })
    // a served policy is a separate instance, as in `custos policy serve`
    url = await listen(getRequestListener(createAuthApp(createPolicy({ backend: 'static', file })).fetch))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const table: Array<[string, PolicyRole, Partial<Identity>]> = [
    ['kms allowed', 'kms', {}],
    ['kms SWHardeningNeeded', 'kms', { tcbStatus: 'SWHardeningNeeded' }],
    ['kms OutOfDate', 'kms', { tcbStatus: 'OutOfDate' }],
    ['kms nitro (empty tcb)', 'kms', { platform: 'nitro', tcbStatus: '' }],
    ['kms bad advisory', 'kms', { advisoryIds: ['INTEL-SA-00615', 'INTEL-SA-00999'] }],
    ['kms allowed advisory', 'kms', { advisoryIds: ['INTEL-SA-00615'] }],
    ['kms bad OS', 'kms', { osImageHash: h(32, 0x99) }],
    ['kms empty OS', 'kms', { osImageHash: new Uint8Array(0) }],
    ['kms bad MR', 'kms', { mrAggregated: h(32, 0x99) }],
    ['kms bad device', 'kms', { deviceId: h(32, 0x99) }],
    ['app allowed', 'app', { deviceId: h(32, 0x06) }],
    ['app empty instance id', 'app', { deviceId: h(32, 0x06), instanceId: new Uint8Array(0) }],
    ['app bad device', 'app', {}],
    ['app any device', 'app', { appId: h(20, 0x40), deviceId: h(32, 0x99) }],
    ['app not registered', 'app', { appId: h(20, 0x99) }],
    ['app bad compose', 'app', { composeHash: h(32, 0x99), deviceId: h(32, 0x06) }],
    ['app sgx', 'app', { platform: 'sgx', deviceId: h(32, 0x06) }],
    ['app key provider', 'app', { deviceId: h(32, 0x06), keyProviderInfo: new TextEncoder().encode('{"name":"kms"}') }],
  ]

  it('returns exactly the static policy decisions, both roles', async () => {
    const remote = new WebhookPolicy({ url })
    let allowed = 0
    for (const [name, role, over] of table) {
      const want = await local.check(role, identity(over))
      expect(await remote.check(role, identity(over)), name).toEqual(want)
      if (want.allowed) allowed++
    }
    expect(allowed).toBe(8) // the table exercises both outcomes
  })

  it('info() maps GET / of the served policy', async () => {
    expect(await new WebhookPolicy({ url: `${url}/` }).info()).toEqual(await local.info())
  })
})

describe('WebhookPolicy against a dstack-style server', () => {
  afterEach(closeAll)
  type Seen = { method: string; path: string; headers: IncomingMessage['headers']; body: string }

  /** A fake auth server answering `reply` to every request and recording what it was sent. */
  async function fake(reply: (res: ServerResponse, seen: Seen) => void) {
    const seen: Seen[] = []
    const url = await listen(async (req, res) => {
      const s = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: await readBody(req) }
      seen.push(s)
      reply(res, s)
    })
    return { url, seen }
  }
  const json = (status: number, body: string) => (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(body)
  }

  it('POSTs dstack boot info (camelCase, hex without 0x) to url_join(url, bootAuth/…), never caching', async () => {
    const { url, seen } = await fake(json(200, '{"isAllowed":true,"reason":"ok","gatewayAppId":"gw","extra":1}'))
    const p = new WebhookPolicy({ url: `${url}/auth` })
    expect(await p.check('app', identity())).toEqual({ allowed: true, reason: 'ok', gatewayAppId: 'gw' })
    expect(await p.check('app', identity())).toEqual({ allowed: true, reason: 'ok', gatewayAppId: 'gw' })
    await p.check('kms', identity())
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /auth/bootAuth/app',
      'POST /auth/bootAuth/app',
      'POST /auth/bootAuth/kms',
    ])
    expect(seen[0]?.headers['user-agent']).toMatch(/^custos\/\d+\.\d+\.\d+/)
    expect(seen[0]?.headers['content-type']).toBe('application/json')
    expect(seen[0]?.headers.authorization).toBeUndefined()
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      teeVariant: 'dstack-tdx',
      mrAggregated: hex(32, 0x02),
      osImageHash: hex(32, 0x01),
      mrSystem: hex(32, 0x77),
      appId: hex(20, 0x04),
      composeHash: hex(32, 0x05),
      instanceId: hex(20, 0x78),
      deviceId: hex(32, 0x03),
      keyProviderInfo: '',
      tcbStatus: 'UpToDate',
      advisoryIds: [],
    })
    // a trailing slash is not doubled
    await new WebhookPolicy({ url: `${url}/auth/` }).check('kms', identity())
    expect(seen[3]?.path).toBe('/auth/bootAuth/kms')
  })

  const broken: Array<[string, (res: ServerResponse) => void, RegExp]> = [
    ['HTTP 500', json(500, '{"isAllowed":true,"reason":"","gatewayAppId":""}'), /HTTP 500/],
    ['HTTP 404', json(404, 'not found'), /HTTP 404/],
    ['redirect', (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end(), /HTTP 302/],
    ['not JSON', json(200, '<html>allowed</html>'), /not JSON/],
    ['empty body', json(200, ''), /not JSON/],
    ['JSON null', json(200, 'null'), /unexpected response/],
    ['isAllowed as string', json(200, '{"isAllowed":"true","reason":"","gatewayAppId":""}'), /isAllowed/],
    ['no gatewayAppId (auth-eth backend error)', json(200, '{"isAllowed":true,"reason":""}'), /gatewayAppId/],
    ['no reason', json(200, '{"isAllowed":true,"gatewayAppId":""}'), /reason/],
    ['too large', json(200, `{"isAllowed":true,"reason":"${'x'.repeat(100_000)}","gatewayAppId":""}`), /larger/],
    ['connection dropped', (res) => res.socket?.destroy(), /connection reset|network error/],
  ]
  for (const [name, reply, cause] of broken)
    it(`fails closed: ${name}`, async () => {
      const { url } = await fake(reply)
      const logger = memoryLogger()
      const d = await new WebhookPolicy({ url, logger }).check('app', identity())
      expect(d.allowed).toBe(false)
      expect(d.gatewayAppId).toBe('')
      expect(d.reason.startsWith(`${WEBHOOK_UNAVAILABLE}: `)).toBe(true)
      expect(d.reason).toMatch(cause)
      expect(d.reason).not.toContain('html')
      expect(logger.entries.find((e) => e.level === 'error')?.msg).toBe(WEBHOOK_UNAVAILABLE)
      expect(logger.entries.find((e) => e.msg === 'policy decision')?.obj).toMatchObject({ allowed: false })
    })

  it('fails closed: connection refused', async () => {
    const url = await listen(() => {})
    await closeAll() // the port is now closed
    const d = await new WebhookPolicy({ url }).check('kms', identity())
    expect(d).toEqual({ allowed: false, reason: `${WEBHOOK_UNAVAILABLE}: connection refused`, gatewayAppId: '' })
    await expect(new WebhookPolicy({ url }).info()).rejects.toMatchObject({ code: 'POLICY_AUTH_UNAVAILABLE' })
  })

  it('fails closed: timeout (headers never come, or the body stalls)', async () => {
    const { url } = await fake(() => {})
    const t0 = performance.now()
    const d = await new WebhookPolicy({ url, timeoutMs: 150 }).check('app', identity())
    expect(d).toEqual({ allowed: false, reason: `${WEBHOOK_UNAVAILABLE}: no answer within 150 ms`, gatewayAppId: '' })
    expect(performance.now() - t0).toBeLessThan(3000)
    const stall = await fake((res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"isAllowed":true,')
    })
    const d2 = await new WebhookPolicy({ url: stall.url, timeoutMs: 150 }).check('app', identity())
    expect(d2.allowed).toBe(false)
    expect(d2.reason).toMatch(/no answer within 150 ms/)
  })

  it('passes a deny through, and never reports allowed unless isAllowed is true', async () => {
    const { url } = await fake(json(200, '{"isAllowed":false,"reason":"Compose hash not allowed","gatewayAppId":"g"}'))
    expect(await new WebhookPolicy({ url }).check('app', identity())).toEqual({
      allowed: false,
      reason: 'Compose hash not allowed',
      gatewayAppId: 'g',
    })
  })

  it('sends URL credentials as Basic auth and never logs or returns them', async () => {
    const { url, seen } = await fake(json(503, '{}'))
    const withCreds = url.replace('http://', 'http://al%40ice:s3cr3t-pw@')
    const logger = memoryLogger()
    const p = new WebhookPolicy({ url: `${withCreds}/x?token=s3cr3t-tok`, logger })
    expect(p.url).toBe(`${url}/x`)
    const d = await p.check('app', identity())
    expect(d.allowed).toBe(false)
    await expect(p.info()).rejects.toMatchObject({ code: 'POLICY_AUTH_UNAVAILABLE' })
    const err = await p.info().catch((e: Error) => e)
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('al@ice:s3cr3t-pw').toString('base64')}`)
    expect(seen[1]?.path).toBe('/x?token=s3cr3t-tok') // GET <url> as configured
    const everything = JSON.stringify([d, logger.entries, String(err), (err as { meta?: unknown }).meta])
    expect(everything).toContain('/x')
    for (const secret of ['s3cr3t', 'al@ice', 'al%40ice']) expect(everything).not.toContain(secret)
    // a config error does not echo the URL either
    const bad = (() => {
      try {
        new WebhookPolicy({ url: 'ftp://bob:s3cr3t@h/' })
      } catch (e) {
        return e as { code: string; message: string }
      }
    })()
    expect(bad?.code).toBe('POLICY_BAD_CONFIG')
    expect(bad?.message).not.toContain('s3cr3t')
  })

  it('info() validates GET / (ethRpcUrl optional, the rest required)', async () => {
    const info = {
      status: 'ok',
      kmsContractAddr: '0xabc',
      gatewayAppId: 'gw',
      chainId: 31337,
      appImplementation: '0xdef',
    }
    const ok = await fake(json(200, JSON.stringify({ ...info, appAuthImplementation: '0xdef' })))
    expect(await new WebhookPolicy({ url: ok.url }).info()).toEqual({
      gatewayAppId: 'gw',
      kmsContractAddr: '0xabc',
      chainId: 31337,
      appImplementation: '0xdef',
    })
    expect(ok.seen[0]?.method).toBe('GET')
    expect(ok.seen[0]?.path).toBe('/')
    const { chainId: _, ...noChain } = info
    const bad = await fake(json(200, JSON.stringify(noChain)))
    await expect(new WebhookPolicy({ url: bad.url }).info()).rejects.toMatchObject({ code: 'POLICY_AUTH_UNAVAILABLE' })
  })

  it('refuses bad config up front, and denies after close', async () => {
    for (const url of ['not a url', 'file:///etc/passwd'])
      expect(() => new WebhookPolicy({ url })).toThrow(expect.objectContaining({ code: 'POLICY_BAD_CONFIG' }))
    for (const timeoutMs of [0, -1, 1.5])
      expect(() => new WebhookPolicy({ url: 'http://127.0.0.1:1/', timeoutMs })).toThrow(
        expect.objectContaining({ code: 'POLICY_BAD_CONFIG' }),
      )
    const { url, seen } = await fake(json(200, '{"isAllowed":true,"reason":"","gatewayAppId":""}'))
    const p = new WebhookPolicy({ url })
    await p.close()
    expect((await p.check('app', identity())).allowed).toBe(false)
    expect(seen).toHaveLength(0)
  })
})
