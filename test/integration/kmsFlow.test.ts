/**
 * Issue 2 end to end on loopback with real TLS, real SQLite and the simulated TEE: a 3-node devnet
 * (bootstrap → onboard ×2), apps fetching keys, and every refusal the KMS must make.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, encodeVersionedAttestation } from '../../src/attestation/index.js'
import {
  exportPkcs8Pem,
  exportSpkiDer,
  fromHex,
  generateP256KeyPair,
  recoverMessageSigner,
  toHex,
} from '../../src/crypto/index.js'
import type { GetAppKeyResponse } from '../../src/kms/index.js'
import { nullLogger } from '../../src/log.js'
import { createAttestedClient, createRaTlsCertificate, raTlsReportData } from '../../src/net/index.js'
import { type Config, callKmsAsWorkload, type Devnet, loadConfig, startDevnet } from '../../src/node/index.js'
import { createPlatform, identityOf, simulatedRootsFor } from '../../src/node/platform.js'

/** what a simulated node answers: the wire reply, marked simulated */
type AppKeyResponse = GetAppKeyResponse & { tee: string }

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
  // A second app, registered but pinned to a device no simulated machine has.
  writeFileSync(resolve(home, 'pinned-compose.json'), '{"name":"pinned"}\n')
  const pinned = await identityOf(appConfig({ tee: { simulated: { app_compose: '../pinned-compose.json' } } }))
  const policy = JSON.parse(readFileSync(resolve(home, 'policy.json'), 'utf8'))
  policy.apps[toHex(pinned.appId)] = {
    composeHashes: [toHex(pinned.composeHash)],
    devices: ['ab'.repeat(32)],
    allowAnyDevice: false,
  }
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
    const { secp256k1 } = await import('@noble/curves/secp256k1.js')
    const appPub = secp256k1.getPublicKey(fromHex(body.k256_key), true)
    const signer = recoverMessageSigner(
      fromHex(body.k256_signature),
      'dstack-kms-issued',
      fromHex(net.demoApp.appId),
      appPub,
    )
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
    const r = await getAppKey(
      appConfig({ tee: { simulated: { machine_dir: 'machine-outdated', tcb_status: 'OutOfDate' } } }),
    )
    expectRefused(r, 'KMS_APP_NOT_ALLOWED', /TCB status is not allowed/)
  })

  it('evidence not bound to the TLS key', async () => {
    const cfg = appConfig()
    const tee = await createPlatform(cfg)
    const keyA = await generateP256KeyPair()
    const keyB = await generateP256KeyPair()
    const att = encodeVersionedAttestation(await tee.attest(raTlsReportData(await exportSpkiDer(keyA.publicKey))))
    const cert = await createRaTlsCertificate({
      keys: keyB,
      attestation: att,
      subject: 'RA-TLS TEMP Cert',
      clientAuth: true,
    })
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

describe('KMS refusals: devices, tampering, trust', () => {
  const refusedWith = (r: { status: number; body: unknown }, code: string) => {
    expect(r.status).toBe(400)
    expect((r.body as { code: string }).code).toBe(code)
    expect((r.body as { k256_key?: string }).k256_key).toBeUndefined()
    return (r.body as { error: string }).error
  }

  it('disallowed device', async () => {
    const r = await getAppKey(appConfig({ tee: { simulated: { app_compose: '../pinned-compose.json' } } }))
    expect(refusedWith(r, 'KMS_APP_NOT_ALLOWED')).toMatch(/not allowed to boot on this device/)
  })

  /** A GetAppKey over mTLS whose client certificate carries `mutate(encoded attestation)`. */
  async function withMutatedEvidence(mutate: (quote: Uint8Array) => void) {
    const cfg = appConfig()
    const tee = await createPlatform(cfg)
    const keys = await generateP256KeyPair()
    const att = await tee.attest(raTlsReportData(await exportSpkiDer(keys.publicKey)))
    if (att.quote.type !== 'tdx') throw new Error('expected simulated TDX evidence')
    const quote = att.quote.quote.slice()
    mutate(quote)
    const bytes = encodeVersionedAttestation({ ...att, quote: { ...att.quote, quote } })
    const cert = await createRaTlsCertificate({
      keys,
      attestation: bytes,
      subject: 'RA-TLS TEMP Cert',
      clientAuth: true,
    })
    const client = createAttestedClient({
      verifier: createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(cfg) }),
      now: () => Math.floor(Date.now() / 1000),
      expectedUsage: 'kms:rpc',
      clientCertPem: cert.pem,
      clientKeyPem: await exportPkcs8Pem(keys.privateKey),
    })
    try {
      const r = await client.request(`${net.urls[2]}/prpc/GetAppKey?json`, { method: 'POST', body: '{}' })
      return { status: r.status, body: JSON.parse(new TextDecoder().decode(r.body)) as unknown }
    } finally {
      client.close()
    }
  }

  it('the untampered control request succeeds', async () => {
    const r = await withMutatedEvidence(() => {})
    expect(r.status).toBe(200)
  })

  // TDX quote v4 layout: header [0,48), TD report body [48,632), signature data length [632,636),
  // quote signature [636,700), attestation key [700,764), then QE report, its signature, auth data, PEM chain.
  it.each([
    ['header (version)', 0],
    ['header (QE vendor id)', 20],
    ['TD report body (MRTD)', 200],
    ['TD report body (RTMR3)', 540],
    ['TD report body (report_data)', 600],
    ['quote signature', 650],
    ['attestation key', 720],
    ['QE report', 800],
    ['QE report signature', 1160],
  ])('tampered quote: %s', async (_region, offset) => {
    const r = await withMutatedEvidence((q) => {
      q[offset] = (q[offset] as number) ^ 0x01
    })
    refusedWith(r, 'KMS_INVALID_QUOTE')
  })

  it('tampered quote: certificate chain', async () => {
    const r = await withMutatedEvidence((q) => {
      // flip a base64 letter inside the PEM chain at the end of the quote (case flip keeps it valid base64)
      const text = Buffer.from(q).toString('latin1')
      const i = text.lastIndexOf('-----END CERTIFICATE-----') - 40
      q[i] = (q[i] as number) ^ 0x20
    })
    refusedWith(r, 'KMS_INVALID_QUOTE')
  })
})

describe('KMS trust and onboarding refusals', () => {
  async function extraNode(overrides: Record<string, unknown>, from = 'node2') {
    const h = resolve(home, from)
    const cfg = loadConfig(h, readFileSync(resolve(h, 'custos.toml'), 'utf8'), overrides)
    const { startNode } = await import('../../src/node/index.js')
    return startNode(cfg, { dev: true, logger: nullLogger })
  }

  it('simulated evidence is refused when the KMS does not trust the simulated TEE', async () => {
    const node = await extraNode({
      node: { data_dir: 'data-untrusting' },
      attestation: { trust_simulated: false },
      kms: { enforce_self_authorization: false, listen: '127.0.0.1:0', auto_bootstrap_domain: 'localhost' },
    })
    try {
      const main = await node.main
      // the app trusts this (freshly bootstrapped) KMS, so what is tested is the KMS's own refusal
      const pins = { kms_root_ca_pubkeys: [node.kms.material().bootstrapInfo!.ca_pubkey], kms_k256_pubkeys: [] }
      const config = appConfig({ agent: { ...pins, kms_policy: false } })
      const r = await callKmsAsWorkload({ config, kmsUrl: main.url, method: 'GetAppKey', body: {} })
      expect(r.status).toBe(400)
      expect((r.body as { code: string }).code).toBe('KMS_INVALID_QUOTE')
      expect((r.body as { error: string }).error).toMatch(/simulated/i)
    } finally {
      await node.close()
    }
  })

  it('a new KMS refuses to onboard from a source its policy does not allow', async () => {
    const strict = JSON.parse(readFileSync(resolve(home, 'policy.json'), 'utf8'))
    strict.kms.mrAggregated = ['00'.repeat(32)]
    writeFileSync(resolve(home, 'strict-policy.json'), JSON.stringify(strict))
    const node = await extraNode({
      node: { data_dir: 'data-strict' },
      policy: { file: resolve(home, 'strict-policy.json') },
      kms: { listen: '127.0.0.1:0', enforce_self_authorization: false },
    })
    try {
      const { onboardFrom } = await import('../../src/kms/index.js')
      await expect(onboardFrom(node.kms, net.urls[0]!, 'localhost')).rejects.toMatchObject({
        code: 'KMS_KMS_NOT_ALLOWED',
        message: expect.stringMatching(/aggregated MR not allowed/),
      })
      expect(node.kms.ready).toBe(false)
    } finally {
      await node.close()
    }
  })

  it('a source KMS refuses to replicate to a KMS on a device its policy does not allow', async () => {
    const node = await extraNode({
      node: { data_dir: 'data-rogue' },
      tee: { simulated: { machine_dir: 'machine-rogue' } },
      kms: { listen: '127.0.0.1:0', enforce_self_authorization: false },
    })
    try {
      const { onboardFrom } = await import('../../src/kms/index.js')
      await expect(onboardFrom(node.kms, net.urls[0]!, 'localhost')).rejects.toMatchObject({
        code: 'KMS_ONBOARD_FAILED',
        message: expect.stringMatching(/not allowed to boot on this device/),
      })
      expect(node.kms.ready).toBe(false)
    } finally {
      await node.close()
    }
  })
})
