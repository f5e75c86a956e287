import { generateKeyPairSync } from 'node:crypto'
import { createServer, type RequestListener, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { dcapKey, issueDcapCertificate } from '../attestation/index.js'
import { derToPem } from '../crypto/index.js'
import { CustosError } from '../errors.js'
import type { RpcMethod } from '../kms/index.js'
import { memoryLogger } from '../log.js'
import { createMetrics } from './metrics.js'
import { createPrpcApp, type PrpcAppOptions, prpcFastPathOf } from './prpc.js'
import { type Listening, listen } from './server.js'

const open: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c()))
})

const methods: RpcMethod[] = [
  { name: 'Echo', input: z.object({ x: z.number().optional() }).passthrough(), run: async (input) => input },
  { name: 'Nothing', input: z.object({}).passthrough(), run: async () => undefined },
  {
    name: 'Refuse',
    input: z.object({}).passthrough(),
    run: async () => {
      throw new CustosError('TEST_REFUSED', 403, 'refused on purpose')
    },
  },
  {
    name: 'Crash',
    input: z.object({}).passthrough(),
    run: async () => {
      throw new Error('unexpected')
    },
  },
  { name: 'BigInt', input: z.object({}).passthrough(), run: async () => ({ n: 1n }) },
]

type Variant = Pick<PrpcAppOptions, 'headers' | 'simulated'>

/** Serve `handler` on loopback (closed after the test); its port. */
async function serveOn(handler: RequestListener): Promise<number> {
  const server: Server = createServer(handler)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  open.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  )
  return (server.address() as AddressInfo).port
}

/**
 * The same app twice: the fast path in front of the adapter (as `listen` serves it, counting what the fast path
 * took), and the hono adapter alone.
 */
async function pair(variant: Variant) {
  const make = () => {
    const metrics = createMetrics({ defaults: false })
    const app = createPrpcApp({
      service: 'KMS',
      methods,
      logger: memoryLogger(),
      metrics,
      maxBodyBytes: 256,
      ...variant,
    })
    return { app, metrics }
  }
  const fast = make()
  const path = prpcFastPathOf(fast.app)
  if (!path) throw new Error('no fast path')
  const adapter = getRequestListener(fast.app.fetch)
  const taken: string[] = []
  const fastPort = await serveOn((req, res) => {
    if (path(req, res)) taken.push(req.url ?? '')
    else void adapter(req, res)
  })
  const slow = make()
  const slowPort = await serveOn(getRequestListener(slow.app.fetch))
  return { fast: { port: fastPort, metrics: fast.metrics, taken }, slow: { port: slowPort, metrics: slow.metrics } }
}

/** One raw request on its own connection; the raw response with its Date header and error ids blanked. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const s = connect(port, '127.0.0.1', () => s.end(request))
    s.on('data', (c: Buffer) => chunks.push(c))
    s.on('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\nDate: [^\r]*/g, '\r\nDate: -')
          .replace(/"error_id":"[0-9a-f-]+"/, '"error_id":"-"'),
      ),
    )
    s.on('error', reject)
  })
}

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
  const head = Object.entries({
    Host: 'kms.example',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n`, 'latin1'), Buffer.from(body)]).toString(
    'latin1',
  )
}
const get = (path: string, host = 'kms.example') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`
const json = { 'Content-Type': 'application/json' }

const requests: Array<[string, string]> = [
  ['POST ?json', post('/prpc/Echo?json', '{"x":1,"y":"z"}')],
  ['POST json content type', post('/prpc/KMS.Echo', '{"x":2}', json)],
  ['POST two content types', post('/prpc/Echo', '{"x":2}', { ...json, 'content-type': 'text/plain' })],
  ['POST empty body', post('/prpc/Echo?json', '')],
  ['POST whitespace body', post('/prpc/Echo?json', ' \n ')],
  ['POST BOM body', post('/prpc/Echo?json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"x":3}')]))],
  ['POST bad UTF-8', post('/prpc/Echo?json', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))],
  ['POST bad JSON', post('/prpc/Echo?json', '{"x":')],
  ['POST binary without ?json', post('/prpc/Echo', 'abc')],
  ['POST invalid input', post('/prpc/Echo?json', '{"x":"no"}')],
  ['POST unknown method', post('/prpc/Nope?json', '{}')],
  ['POST other service prefix', post('/prpc/Onboard.Echo?json', '{}')],
  ['POST returns nothing', post('/prpc/Nothing?json', '{}')],
  ['POST refused', post('/prpc/Refuse?json', '{}')],
  ['POST crash', post('/prpc/Crash?json', '{}')],
  ['POST unserialisable answer', post('/prpc/BigInt?json', '{}')],
  ['POST over the limit', post('/prpc/Echo?json', `{"x":1,"pad":"${'a'.repeat(300)}"}`)],
  ['POST exactly the limit', post('/prpc/Echo?json', `{"pad":"${'a'.repeat(246)}"}`)],
  [
    'POST chunked',
    'POST /prpc/Echo?json HTTP/1.1\r\nHost: kms.example\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n7\r\n{"x":4}\r\n0\r\n\r\n',
  ],
  ['POST no length', 'POST /prpc/Echo?json HTTP/1.1\r\nHost: kms.example\r\nConnection: close\r\n\r\n'],
  [
    'two on one connection, the first body unread',
    post('/prpc/Nope?json', '{"unread":true}', { Connection: 'keep-alive' }) + post('/prpc/Echo?json', '{"x":6}'),
  ],
  ['GET query', get('/prpc/Echo?json&a=1&a=2&b=%20c')],
  ['GET dot segments', get('/prpc/x/../Echo?json')],
  ['GET encoded name', get('/prpc/Ec%68o?json')],
  ['GET trailing slash', get('/prpc/Echo/')],
  ['GET empty name', get('/prpc/')],
  ['GET bad host', get('/prpc/Echo?json', 'a b')],
  ['GET host with port', get('/prpc/Echo?json', 'kms.example:8000')],
  ['GET backslash', get('/prpc/Echo\\x?json')],
  ['PUT', post('/prpc/Echo?json', '{}').replace(/^POST/, 'PUT')],
  ['HEAD', get('/prpc/Echo?json').replace(/^GET/, 'HEAD')],
  ['GET health', get('/health')],
  ['GET not found', get('/nothing')],
]

describe('prpc fast path: answers exactly as the hono adapter does', () => {
  const variants: Array<[string, Variant]> = [
    ['KMS main service (X-App-Version, simulated)', { headers: { 'X-App-Version': '0.1.0' }, simulated: true }],
    ['no extra headers', { simulated: false }],
  ]
  for (const [label, variant] of variants)
    it(`${label}: same bytes and same metrics for ${requests.length} requests`, async () => {
      const { fast, slow } = await pair(variant)
      for (const [name, request] of requests) {
        const [a, b] = await Promise.all([raw(fast.port, request), raw(slow.port, request)])
        expect(a, name).toBe(b)
      }
      const series = async (m: typeof fast.metrics) =>
        (await m.registry.metrics())
          .split('\n')
          .filter((l) => l.startsWith('custos_rpc_request_duration_seconds_count'))
          .sort()
      expect(await series(fast.metrics)).toEqual(await series(slow.metrics))
      // the plain calls were answered by the fast path, the odd ones by the adapter
      expect(fast.taken).toHaveLength(22)
      expect(fast.taken).not.toContain('/prpc/Ec%68o?json')
    })

  it('listen serves a prpc app through its fast path', async () => {
    const app = createPrpcApp({ service: 'KMS', methods, logger: memoryLogger(), maxBodyBytes: 64, simulated: true })
    const l: Listening = await listen(app, '127.0.0.1:0')
    open.push(() => l.close())
    const r = await raw(l.port, post('/prpc/Echo?json', '{"x":5}'))
    expect(r).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(r).toMatch(/\r\nx-custos-tee: simulated\r\n/)
    expect(r.endsWith('{"x":5,"tee":"simulated"}')).toBe(true)
  })

  it('is registered for unguarded prpc apps only', () => {
    const base = { service: 'KMS', methods, logger: memoryLogger(), maxBodyBytes: 64, simulated: false }
    expect(prpcFastPathOf(createPrpcApp(base))).toBeTypeOf('function')
    expect(prpcFastPathOf(createPrpcApp({ ...base, browserGuard: { listenHost: '127.0.0.1' } }))).toBeUndefined()
  })
})

describe('prpc over TLS: no session resumption', () => {
  /** A P-256 certificate for localhost, as the bench's bare TLS server makes one. */
  async function tlsOptions() {
    const key = dcapKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
    const der = await issueDcapCertificate({
      subject: 'CN=localhost',
      key,
      serialNumber: '01',
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 3_600_000),
      ca: false,
    })
    return {
      key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      cert: derToPem(der, 'CERTIFICATE'),
      requestCert: true,
      rejectUnauthorized: false,
    }
  }

  /** Connect twice, the second time offering the session the first one was given; whether it was resumed. */
  async function resumed(port: number): Promise<boolean> {
    const once = (session?: Buffer) =>
      new Promise<{ reused: boolean; session?: Buffer }>((resolve, reject) => {
        let got: Buffer | undefined
        const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(session ? { session } : {}) })
        s.on('session', (b: Buffer) => {
          got = b
        })
        s.on('secureConnect', () => {
          // TLS 1.3 tickets arrive after the handshake: one request and its answer make sure they did
          s.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
        })
        s.on('data', () => {})
        s.on('end', () => resolve({ reused: s.isSessionReused(), session: got }))
        s.on('error', reject)
      })
    const first = await once()
    if (!first.session) throw new Error('the server sent no session to offer')
    return (await once(first.session)).reused
  }

  it('a prpc app (the KMS) issues no resumable sessions: every connection is a full handshake', async () => {
    const base = { service: 'KMS', methods, logger: memoryLogger(), maxBodyBytes: 64, simulated: false }
    const tls = await tlsOptions()
    const kms = await listen(createPrpcApp(base), '127.0.0.1:0', tls)
    open.push(() => kms.close())
    expect(await resumed(kms.port)).toBe(false)
    // the same TLS options on another app keep OpenSSL's default stateless tickets (the check above is meaningful)
    const other = new Hono()
    other.get('/health', (c) => c.text('OK'))
    const plain = await listen(other, '127.0.0.1:0', tls)
    open.push(() => plain.close())
    expect(await resumed(plain.port)).toBe(true)
  })
})
