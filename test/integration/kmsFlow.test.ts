/**
 * Issue 2 end to end on loopback with real TLS, real SQLite and the simulated TEE: a 3-node devnet
 * (bootstrap → onboard ×2), apps fetching keys, and every refusal the KMS must make.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeVersionedAttestation } from '../../src/attestation/index.js'
import { exportSpkiDer, fromHex, generateP256KeyPair, exportPkcs8Pem, toHex } from '../../src/crypto/index.js'
import { recoverMessageSigner } from '../../src/kms/crypto/index.js'
import { nullLogger } from '../../src/log.js'
import { createAttestedClient, createRaTlsCertificate, raTlsReportData } from '../../src/net/index.js'
import { callKmsAsWorkload, type Config, type Devnet, loadConfig, startDevnet } from '../../src/node/index.js'
import { createPlatform, simulatedRootsFor } from '../../src/node/platform.js'
import { createVerifier } from '../../src/attestation/index.js'

type AppKeyResponse = {
  ca_cert: string
  disk_crypt_key: string
  env_crypt_key: string
  k256_key: string
  k256_signature: string
  gateway_app_id: string
  os_image_hash: string
  tee: string
}

let home: string
let net: Devnet
let appToml: string

function appConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig(net.demoApp.home, appToml, overrides)
}

async function getAppKey(config: Config, node = 0) {
  return callKmsAsWorkload({ config, kmsUrl: net.urls[node]!, method: 'GetAppKey', body: { api_version: 1 } })
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-kms-flow-'))
  net = await startDevnet({ home, nodes: 3, basePort: 0, logger: nullLogger })
  appToml = readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8')
  // A second app that is pinned to a device no simulated machine has.
  writeFileSync(resolve(home, 'pinned-compose.json'), '{"name":"pinned"}\n')
  const policy = JSON.parse(readFileSync(resolve(home, 'policy.json'), 'utf8'))
  const pinned = await createPlatform(appConfig({ tee: { simulated: { app_compose: '../pinned-compose.json' } } }))
  const att = await pinned.attest(new Uint8Array(64))
  void att
  writeFileSync(resolve(home, 'policy.json'), JSON.stringify(policy, null, 2))
}, 120_000)

afterAll(async () => {
  await net?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('KMS flow: bootstrap → onboard → app keys', () => {
  it('an allowed app gets the same keys from every replicated node', async () => {
    const cfg = appConfig()
    const results = await Promise.all([0, 1, 2].map((i) => getAppKey(cfg, i)))
    for (const r of results) expect(r.status).toBe(200)
    const [a, b, c] = results.map((r) => r.body as AppKeyResponse)
    expect(a!.disk_crypt_key).toMatch(/^[0-9a-f]{64}$/)
    expect(a!.k256_signature).toMatch(/^[0-9a-f]{130}$/)
    for (const other of [b!, c!]) {
      expect(other.disk_crypt_key).toBe(a!.disk_crypt_key)
      expect(other.env_crypt_key).toBe(a!.env_crypt_key)
      expect(other.k256_key).toBe(a!.k256_key)
      expect(other.k256_signature).toBe(a!.k256_signature)
      expect(other.ca_cert.length).toBeGreaterThan(0)
    }
    expect(a!.tee).toBe('simulated')
    expect(a!.gateway_app_id).toBe('any')
  })

  it('k256_signature recovers to GetMeta.k256_pubkey of every node', async () => {
    const r = await getAppKey(appConfig(), 1)
    const body = r.body as AppKeyResponse
    const { secp256k1 } = await import('@noble/curves/secp256k1')
    const appPub = secp256k1.getPublicKey(fromHex(body.k256_key), true)
    const signer = recoverMessageSigner(fromHex(body.k256_signature), 'dstack-kms-issued', fromHex(net.demoApp.appId), appPub)
    for (const url of net.urls) {
      const meta = await callKmsAsWorkload({ config: appConfig(), kmsUrl: url, method: 'GetMeta' })
      expect(meta.status).toBe(200)
      expect(toHex(signer)).toBe((meta.body as { k256_pubkey: string }).k256_pubkey)
    }
  })
})

describe('KMS refusals release no key', () => {
  const expectRefused = (r: { status: number; body: unknown }, code: string, text?: RegExp) => {
    expect(r.status).toBe(400)
    const body = r.body as { error: string; code: string; k256_key?: string }
    expect(body.code).toBe(code)
    expect(body.k256_key).toBeUndefined()
    if (text) expect(body.error).toMatch(text)
  }

  it('unknown app', async () => {
    writeFileSync(resolve(home, 'unknown-compose.json'), '{"name":"unknown"}\n')
    const r = await getAppKey(appConfig({ tee: { simulated: { app_compose: '../unknown-compose.json' } } }))
    expectRefused(r, 'KMS_APP_NOT_ALLOWED', /app not registered/)
  })

  it('wrong compose hash for a registered app id', async () => {
    writeFileSync(resolve(home, 'changed-compose.json'), '{"name":"demo-app","changed":true}\n')
    const r = await getAppKey(
      appConfig({ tee: { simulated: { app_compose: '../changed-compose.json', app_id: net.demoApp.appId } } }),
    )
    expectRefused(r, 'KMS_APP_NOT_ALLOWED', /compose hash not allowed/)
  })

  it('TCB status not allowed', async () => {
    const r = await getAppKey(appConfig({ tee: { simulated: { machine_dir: 'machine-outdated', tcb_status: 'OutOfDate' } } }))
    expectRefused(r, 'KMS_APP_NOT_ALLOWED', /TCB status is not allowed/)
  })

  it('evidence not bound to the TLS key', async () => {
    const cfg = appConfig()
    const tee = await createPlatform(cfg)
    const keyA = await generateP256KeyPair()
    const keyB = await generateP256KeyPair()
    const att = encodeVersionedAttestation(await tee.attest(raTlsReportData(await exportSpkiDer(keyA.publicKey))))
    const cert = await createRaTlsCertificate({ keys: keyB, attestation: att, subject: 'RA-TLS TEMP Cert', clientAuth: true })
    const now = () => Math.floor(Date.now() / 1000)
    const client = createAttestedClient({
      verifier: createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(cfg) }),
      now,
      expectedUsage: 'kms:rpc',
      clientCertPem: cert.pem,
      clientKeyPem: await exportPkcs8Pem(keyB.privateKey),
    })
    try {
      const r = await client.request(`${net.urls[0]}/prpc/GetAppKey?json`, { method: 'POST', body: '{}' })
      expectRefused({ status: r.status, body: JSON.parse(new TextDecoder().decode(r.body)) }, 'KMS_INVALID_QUOTE')
    } finally {
      client.close()
    }
  })
})
