/** Malformed input on every KMS and onboard endpoint: 4xx with a useful message, never a crash or a 500. */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nullLogger } from '../../src/log.js'
import { type AttestedClient, createAttestedCert, createAttestedClient } from '../../src/net/index.js'
import { type Devnet, loadConfig, type RunningNode, startDevnet, startNode } from '../../src/node/index.js'
import { createPlatform, verifierFor } from '../../src/node/platform.js'
import { rawRequest } from '../support/http.js'

let home: string
let net: Devnet
let fresh: RunningNode
/** The devnet demo app over mutual attested TLS: GetAppKey/GetKmsKey get past "no attestation" to the body. */
let app: AttestedClient

const MAIN = ['GetMeta', 'GetAppKey', 'GetKmsKey', 'GetAppEnvEncryptPubKey', 'GetTempCaCert', 'SignCert']
const ONBOARD = ['Bootstrap', 'Onboard', 'GetAttestationInfo', 'Finish']

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

/** [status, error code]; 200 carries the name of a field the success body must have. */
type Outcome = readonly [200, string] | readonly [400, string]
const BAD_JSON = [400, 'RPC_BAD_JSON'] as const
const INVALID = [400, 'RPC_INVALID_INPUT'] as const
/** google.protobuf.Empty input: dstack ignores the body, so only unparseable JSON is an error. */
const emptyInput = (field: string): Record<string, Outcome> => ({
  'bad JSON': BAD_JSON,
  'JSON array': [200, field],
  'wrong types': [200, field],
  'bad hex': [200, field],
  'negative and huge numbers': [200, field],
  null: [200, field],
})
/**
 * What each method answers to each body. Fields a method does not have are ignored (serde's default, as in
 * dstack), so a body whose only "bad" fields belong to other methods is a valid request for this one.
 */
const EXPECTED: Record<string, Record<string, Outcome>> = {
  GetMeta: emptyInput('ca_cert'),
  GetTempCaCert: emptyInput('temp_ca_cert'),
  GetAttestationInfo: emptyInput('device_id'),
  GetAppKey: {
    'bad JSON': BAD_JSON,
    'JSON array': INVALID,
    'wrong types': INVALID,
    'bad hex': [200, 'disk_crypt_key'], // no GetAppKey field in it: the demo app gets its keys
    'negative and huge numbers': INVALID,
    null: INVALID,
  },
  GetKmsKey: {
    'bad JSON': BAD_JSON,
    'JSON array': INVALID,
    'wrong types': INVALID,
    // valid GetKmsKeyRequests (no field of it is set): refused because the caller is an app, not a KMS
    'bad hex': [400, 'KMS_KMS_NOT_ALLOWED'],
    'negative and huge numbers': [400, 'KMS_KMS_NOT_ALLOWED'],
    null: INVALID,
  },
  GetAppEnvEncryptPubKey: {
    'bad JSON': BAD_JSON,
    'JSON array': INVALID,
    'wrong types': INVALID,
    'bad hex': INVALID,
    'negative and huge numbers': [400, 'KMS_BAD_APP_ID'], // no app_id: empty, not 20 bytes
    null: INVALID,
  },
  SignCert: {
    'bad JSON': BAD_JSON,
    'JSON array': INVALID,
    'wrong types': INVALID,
    'bad hex': INVALID,
    'negative and huge numbers': INVALID,
    null: INVALID,
  },
  Bootstrap: {
    'bad JSON': BAD_JSON,
    'JSON array': INVALID,
    'wrong types': INVALID,
    'bad hex': [400, 'KMS_BAD_DOMAIN'], // no domain: empty
    'negative and huge numbers': [400, 'KMS_BAD_DOMAIN'],
    null: INVALID,
  },
  Onboard: {
    'bad JSON': BAD_JSON,
    'JSON array': INVALID,
    'wrong types': INVALID,
    'bad hex': [400, 'KMS_BAD_DOMAIN'],
    'negative and huge numbers': [400, 'KMS_BAD_DOMAIN'],
    null: INVALID,
  },
  // Empty input, but this fresh node has no keys to finish with
  Finish: {
    'bad JSON': BAD_JSON,
    'JSON array': [400, 'KMS_NOT_READY'],
    'wrong types': [400, 'KMS_NOT_READY'],
    'bad hex': [400, 'KMS_NOT_READY'],
    'negative and huge numbers': [400, 'KMS_NOT_READY'],
    null: [400, 'KMS_NOT_READY'],
  },
}

/** POST a raw JSON body: on the main listener as the attested demo app, on the onboard listener in plain HTTP. */
async function post(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const headers = { 'content-type': 'application/json' }
  if (url.startsWith('https:')) {
    const r = await app.request(url, { method: 'POST', body, headers })
    return { status: r.status, json: JSON.parse(new TextDecoder().decode(r.body)) }
  }
  const r = await rawRequest(url, { body, headers })
  return { status: r.status, json: r.json() }
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-kms-input-'))
  net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger })
  const nodeHome = resolve(home, 'node1')
  const cfg = loadConfig(nodeHome, readFileSync(resolve(nodeHome, 'custos.toml'), 'utf8'), {
    node: { data_dir: 'data-fresh' },
    kms: { auto_bootstrap_domain: '', max_body_bytes: 64 * 1024 },
  })
  fresh = await startNode(cfg, { dev: true, logger: nullLogger })
  const appCfg = loadConfig(net.demoApp.home, readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8'))
  const now = () => Math.floor(Date.now() / 1000)
  const cert = await createAttestedCert({
    tee: await createPlatform(appCfg),
    subject: 'RA-TLS TEMP Cert',
    clientAuth: true,
    now: now(),
  })
  app = createAttestedClient({
    verifier: await verifierFor(appCfg),
    now,
    expectedUsage: 'kms:rpc',
    clientCertPem: cert.certPem,
    clientKeyPem: cert.keyPem,
  })
}, 120_000)

afterAll(async () => {
  app?.close()
  await fresh?.close()
  await net?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe.each([
  ['main (HTTPS)', () => net.urls[0]!, MAIN],
  ['onboard (HTTP)', () => fresh.onboard!.url, ONBOARD],
])('%s', (_name, base, methods) => {
  for (const method of methods as string[]) {
    for (const [what, body] of BAD_BODIES) {
      const [status, detail] = EXPECTED[method]![what]!
      it(`${method}: ${what} → ${status} ${status === 200 ? '(body ignored)' : detail}`, async () => {
        const r = await post(`${base()}/prpc/${method}?json`, body)
        expect(r.status).toBe(status)
        const json = r.json as Record<string, unknown>
        if (status === 200) {
          expect(json[detail]).toEqual(expect.any(String))
          expect(json['error']).toBeUndefined()
        } else {
          expect(json['code']).toBe(detail)
          expect(json['error']).toEqual(expect.any(String))
        }
      })
    }

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
      expect((r.json() as { code: string }).code).toBe('KMS_BAD_INPUT')
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
