/** SignCert (evidence inside the CSR) and GetAppEnvEncryptPubKey against a running devnet KMS. */
import { sign as nodeSign, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeVersionedAttestation } from '../../src/attestation/index.js'
import {
  encodeCsrV2,
  exportPkcs8Pem,
  exportSpkiDer,
  fromHex,
  generateP256KeyPair,
  toHex,
} from '../../src/crypto/index.js'
import { nullLogger } from '../../src/log.js'
import { raTlsReportData, readRaTlsCertificate } from '../../src/net/index.js'
import { type Devnet, loadConfig, startDevnet } from '../../src/node/index.js'
import { createPlatform } from '../../src/node/platform.js'
import { verifyEnvEncryptPublicKey } from '../clients/dstack-sdk/index.js'
import { rawRequest } from '../support/http.js'

let home: string
let net: Devnet
let appToml: string

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-signcert-'))
  net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger })
  appToml = readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8')
}, 120_000)

afterAll(async () => {
  await net?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

/** A dstack-style SignCert request from a workload: CSR key, evidence bound to it, signed CSR. */
async function signCertRequest(
  opts: {
    compose?: string
    bindToOtherKey?: boolean
    corruptSignature?: boolean
    validity?: { notBefore?: bigint; notAfter?: bigint }
  } = {},
) {
  const cfg = loadConfig(
    net.demoApp.home,
    appToml,
    opts.compose ? { tee: { simulated: { app_compose: opts.compose } } } : {},
  )
  const tee = await createPlatform(cfg)
  const keys = await generateP256KeyPair()
  const spki = await exportSpkiDer(keys.publicKey)
  const bound = opts.bindToOtherKey ? await exportSpkiDer((await generateP256KeyPair()).publicKey) : spki
  const attestation = encodeVersionedAttestation(await tee.attest(raTlsReportData(bound)))
  const csr = encodeCsrV2({
    confirm: 'please sign cert:',
    pubkey: spki,
    config: {
      subject: 'demo.app.example',
      subjectAltNames: ['demo.app.example'],
      usageServerAuth: true,
      usageClientAuth: false,
      extQuote: true,
      extAppInfo: false,
      ...opts.validity,
    },
    attestation,
  })
  const signature = new Uint8Array(
    nodeSign('sha256', csr, { key: await exportPkcs8Pem(keys.privateKey), dsaEncoding: 'der' }),
  )
  if (opts.corruptSignature) signature[10] = (signature[10] as number) ^ 1
  const r = await rawRequest(`${net.urls[0]}/prpc/SignCert?json`, {
    body: JSON.stringify({ api_version: 2, csr: toHex(csr), signature: toHex(signature), vm_config: '' }),
    headers: { 'content-type': 'application/json' },
  })
  return { status: r.status, body: r.json() as { certificate_chain?: string[]; code?: string; error?: string }, spki }
}

describe('SignCert', () => {
  it('issues leaf → app CA → root CA for an allowed app, with its app id and evidence', async () => {
    const r = await signCertRequest()
    expect(r.status).toBe(200)
    const chain = r.body.certificate_chain!
    expect(chain).toHaveLength(3)
    const [leaf, appCa, root] = chain.map((p) => new X509Certificate(p))
    expect(leaf!.verify(appCa!.publicKey)).toBe(true)
    expect(appCa!.verify(root!.publicKey)).toBe(true)
    expect(root!.verify(root!.publicKey)).toBe(true)
    expect(leaf!.subject).toContain('CN=demo.app.example')
    expect(appCa!.subject).toContain('CN=Dstack App CA')
    expect(appCa!.ca).toBe(true)
    const meta = await rawRequest(`${net.urls[0]}/prpc/GetMeta?json`, { method: 'GET' })
    expect(chain[2]).toBe((meta.json() as { ca_cert: string }).ca_cert)
    const info = readRaTlsCertificate(new Uint8Array(leaf!.raw))
    expect(toHex(info.appId!)).toBe(net.demoApp.appId)
    expect(info.usage).toBe('app:custom')
    expect(info.attestation?.length ?? 0).toBeGreaterThan(1000)
    expect(toHex(info.spki)).toBe(toHex(r.spki))
  })

  it('the same app gets the same app CA key across requests (derived, not random)', async () => {
    const a = await signCertRequest()
    const b = await signCertRequest()
    const pa = new X509Certificate(a.body.certificate_chain![1]!).publicKey.export({ format: 'der', type: 'spki' })
    const pb = new X509Certificate(b.body.certificate_chain![1]!).publicKey.export({ format: 'der', type: 'spki' })
    expect(Buffer.compare(pa, pb)).toBe(0)
  })

  it('refuses a CSR whose signature does not verify', async () => {
    const r = await signCertRequest({ corruptSignature: true })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('KMS_BAD_CSR')
  })

  it('refuses evidence bound to another key', async () => {
    const r = await signCertRequest({ bindToOtherKey: true })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('KMS_INVALID_QUOTE')
  })

  it('refuses an app the policy does not know', async () => {
    writeFileSync(resolve(home, 'stranger-compose.json'), '{"name":"stranger"}\n')
    const r = await signCertRequest({ compose: '../stranger-compose.json' })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('KMS_APP_NOT_ALLOWED')
  })

  it('refuses garbage CSR bytes', async () => {
    const r = await rawRequest(`${net.urls[0]}/prpc/SignCert?json`, {
      body: JSON.stringify({ api_version: 2, csr: 'deadbeef', signature: '3006020101020101' }),
    })
    expect(r.status).toBe(400)
    expect((r.json() as { code: string }).code).toBe('KMS_BAD_CSR')
  })
})

describe('SignCert validity (dstack takes any not_before/not_after; Custos bounds it)', () => {
  const now = () => BigInt(Math.floor(Date.now() / 1000))
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000)

  it('refuses notBefore = 0, notAfter = 2^62 (a leaf from 1970 to a wrapped 1899) with 400 KMS_BAD_VALIDITY', async () => {
    const r = await signCertRequest({ validity: { notBefore: 0n, notAfter: 2n ** 62n } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('KMS_BAD_VALIDITY')
    expect(r.body.error).toMatch(/not_before 0 \(1970-01-01T00:00:00Z\) is too early/)
    expect(r.body.certificate_chain).toBeUndefined()
  })

  it('refuses a not_after beyond the CA or a lifetime above [kms] sign_cert_max_validity_days (3650)', async () => {
    const late = await signCertRequest({ validity: { notAfter: now() + 20n * 365n * 86400n } })
    expect(late.status).toBe(400)
    expect(late.body.code).toBe('KMS_BAD_VALIDITY')
    expect(late.body.error).toMatch(/notAfter/)
    const backwards = await signCertRequest({ validity: { notBefore: now() + 100n, notAfter: now() + 50n } })
    expect(backwards.status).toBe(400)
    expect(backwards.body.error).toMatch(/must be later than not_before/)
  })

  it('honours a window inside the CA exactly (backdated by a minute for clock skew, not before the root CA)', async () => {
    const meta = (await rawRequest(`${net.urls[0]}/prpc/GetMeta?json`, { method: 'GET' })).json() as { ca_cert: string }
    const rootFrom = BigInt(seconds(new X509Certificate(meta.ca_cert).validFrom))
    const nb = now() - 60n > rootFrom ? now() - 60n : rootFrom
    const na = nb + 30n * 86400n
    const r = await signCertRequest({ validity: { notBefore: nb, notAfter: na } })
    expect(r.status).toBe(200)
    const leaf = new X509Certificate(r.body.certificate_chain![0]!)
    expect(BigInt(seconds(leaf.validFrom))).toBe(nb)
    expect(BigInt(seconds(leaf.validTo))).toBe(na)
  })

  it('without bounds: the leaf lies inside the app CA, which lies inside the root CA', async () => {
    const r = await signCertRequest()
    expect(r.status).toBe(200)
    const [leaf, appCa, root] = r.body.certificate_chain!.map((p) => new X509Certificate(p))
    expect(seconds(leaf!.validFrom)).toBeGreaterThanOrEqual(seconds(appCa!.validFrom))
    expect(seconds(leaf!.validTo)).toBeLessThanOrEqual(seconds(appCa!.validTo))
    expect(seconds(appCa!.validFrom)).toBeGreaterThanOrEqual(seconds(root!.validFrom))
    expect(seconds(appCa!.validTo)).toBeLessThanOrEqual(seconds(root!.validTo))
  })
})

describe('GetAppEnvEncryptPubKey', () => {
  it('returns an X25519 key signed by the root k256 key (checked with @phala/dstack-sdk)', async () => {
    const r = await rawRequest(`${net.urls[0]}/prpc/GetAppEnvEncryptPubKey?json`, {
      body: JSON.stringify({ app_id: net.demoApp.appId }),
    })
    expect(r.status).toBe(200)
    const body = r.json() as { public_key: string; signature_v1: string; timestamp: number }
    const signer = verifyEnvEncryptPublicKey(
      fromHex(body.public_key),
      fromHex(body.signature_v1),
      net.demoApp.appId,
      body.timestamp,
    )
    const meta = await rawRequest(`${net.urls[0]}/prpc/GetMeta?json`, { method: 'GET' })
    expect(signer?.replace(/^0x/, '')).toBe((meta.json() as { k256_pubkey: string }).k256_pubkey)
  })

  it('refuses an app id that is not 20 bytes', async () => {
    const r = await rawRequest(`${net.urls[0]}/prpc/GetAppEnvEncryptPubKey?json`, { body: '{"app_id":"abcd"}' })
    expect(r.status).toBe(400)
    expect((r.json() as { code: string }).code).toBe('KMS_BAD_APP_ID')
  })
})
