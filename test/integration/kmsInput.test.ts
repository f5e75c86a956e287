/** Malformed input on every KMS and onboard endpoint: 4xx with a useful message, never a crash or a 500. */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nullLogger } from '../../src/log.js'
import { type Devnet, loadConfig, type RunningNode, startDevnet, startNode } from '../../src/node/index.js'
import { rawRequest } from '../support/http.js'

let home: string
let net: Devnet
let fresh: RunningNode

const MAIN = ['GetMeta', 'GetAppKey', 'GetKmsKey', 'GetAppEnvEncryptPubKey', 'GetTempCaCert', 'SignCert']
const ONBOARD = ['Bootstrap', 'Onboard', 'GetAttestationInfo', 'Finish']
/** Methods whose input is google.protobuf.Empty: dstack ignores their body, so only unparseable JSON is an error. */
const EMPTY_INPUT = new Set(['GetMeta', 'GetTempCaCert', 'GetAttestationInfo', 'Finish'])

const BAD_BODIES: Array<[string, string]> = [
  ['bad JSON', '{"api_version": 1,'],
  ['JSON array', '[1,2,3]'],
  [
    'wrong types',
    '{"api_version":"one","vm_config":7,"app_id":12,"csr":false,"signature":[],"domain":5,"source_url":{}}',
  ],
  ['bad hex', '{"app_id":"zz11","csr":"abc","signature":"0xGG"}'],
  ['negative and huge numbers', '{"api_version":-1}'],
  ['null', 'null'],
]

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-kms-input-'))
  net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger })
  const nodeHome = resolve(home, 'node1')
  const cfg = loadConfig(nodeHome, readFileSync(resolve(nodeHome, 'custos.toml'), 'utf8'), {
    node: { data_dir: 'data-fresh' },
    kms: { auto_bootstrap_domain: '', max_body_bytes: 64 * 1024 },
  })
  fresh = await startNode(cfg, { dev: true, logger: nullLogger })
}, 120_000)

afterAll(async () => {
  await fresh?.close()
  await net?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe.each([
  ['main (HTTPS)', () => net.urls[0]!, MAIN],
  ['onboard (HTTP)', () => fresh.onboard!.url, ONBOARD],
])('%s', (_name, base, methods) => {
  for (const method of methods as string[]) {
    it.each(BAD_BODIES)(`${method}: %s → 4xx (or ignored for Empty input)`, async (what, body) => {
      const r = await rawRequest(`${base()}/prpc/${method}?json`, {
        body,
        headers: { 'content-type': 'application/json' },
      })
      expect(r.status).toBeLessThan(500)
      if (EMPTY_INPUT.has(method) && what !== 'bad JSON') return
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(typeof (r.json() as { error: unknown }).error).toBe('string')
    })

    it(`${method}: oversize body → 413`, async () => {
      const big = JSON.stringify({ vm_config: 'x'.repeat(3 * 1024 * 1024) })
      const r = await rawRequest(`${base()}/prpc/${method}?json`, {
        body: big,
        headers: { 'content-type': 'application/json' },
      })
      expect(r.status).toBe(413)
    })
  }

  it('protobuf (binary) bodies are refused with a hint', async () => {
    const r = await rawRequest(`${base()}/prpc/${methods[0]}`, { body: '\x08\x01' })
    expect(r.status).toBe(400)
    expect((r.json() as { error: string }).error).toMatch(/\?json/)
  })

  it('unknown method → 404, and the server is still healthy', async () => {
    const r = await rawRequest(`${base()}/prpc/NoSuchMethod?json`, { body: '{}' })
    expect(r.status).toBe(404)
    const h = await rawRequest(`${base()}/health`, { method: 'GET' })
    expect(h.status).toBe(200)
    expect(h.text).toBe('OK')
  })
})

describe('onboard inputs', () => {
  it('Bootstrap refuses an invalid domain', async () => {
    for (const domain of ['', '-bad.example', 'a'.repeat(64), 'sp ace.example', 'ünï.example']) {
      const r = await rawRequest(`${fresh.onboard!.url}/prpc/Onboard.Bootstrap?json`, {
        body: JSON.stringify({ domain }),
        headers: { 'content-type': 'application/json' },
      })
      expect(r.status).toBe(400)
      expect((r.json() as { code: string }).code).toBe('KMS_BAD_DOMAIN')
    }
    expect(fresh.kms.ready).toBe(false)
  })

  it('Onboard refuses a bad source URL', async () => {
    for (const source_url of ['not a url', 'http://127.0.0.1:1/prpc', 'ftp://x']) {
      const r = await rawRequest(`${fresh.onboard!.url}/prpc/Onboard?json`, {
        body: JSON.stringify({ source_url, domain: 'kms.example' }),
        headers: { 'content-type': 'application/json' },
      })
      expect(r.status).toBe(400)
    }
    expect(fresh.kms.ready).toBe(false)
  })

  it('GetAttestationInfo reports what an operator allow-lists', async () => {
    const r = await rawRequest(`${fresh.onboard!.url}/prpc/Onboard.GetAttestationInfo?json`, { body: '{}' })
    expect(r.status).toBe(200)
    const info = r.json() as Record<string, string>
    const self = await fresh.kms.self.get()
    expect(info.mr_aggregated).toBe(Buffer.from(self.mrAggregated).toString('hex'))
    expect(info.os_image_hash).toBe(Buffer.from(self.osImageHash).toString('hex'))
    expect(info.ppid).toMatch(/^[0-9a-f]{32}$/)
    expect(info.device_id).toBe(createHash('sha256').update(Buffer.from(info.ppid!, 'hex')).digest('hex'))
    expect(info.tee).toBe('simulated')
  })

  it('GET /finish before any keys → 400', async () => {
    const r = await rawRequest(`${fresh.onboard!.url}/finish`, { method: 'GET' })
    expect(r.status).toBe(400)
  })
})

describe('metrics', () => {
  it('exposes dstack_kms counters and latency histograms', async () => {
    await rawRequest(`${net.urls[0]}/prpc/GetAppKey?json`, { body: '{}' })
    const r = await rawRequest(`${net.urls[0]}/metrics`, { method: 'GET' })
    expect(r.status).toBe(200)
    expect(r.text).toMatch(/^dstack_kms_attestation_requests_total [1-9]/m)
    expect(r.text).toMatch(/^dstack_kms_attestation_failures_total [1-9]/m)
    expect(r.text).toMatch(/custos_rpc_request_duration_seconds_bucket\{/)
  })
})
