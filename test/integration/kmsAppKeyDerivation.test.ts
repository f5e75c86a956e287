/**
 * `GetAppKey` over the wire, checked against an INDEPENDENT derivation (issue 20 item 3). The keys a devnet
 * node releases to the demo app are recomputed from the node's root keys (read through the sealed store, as
 * the node reads them) with node:crypto only — `hkdfSync`, OpenSSL's P-256 / secp256k1 arithmetic and PKCS#8
 * export, `createHmac` for RFC 6979 — following dstack-kms.md §3.2–§3.4, never our `src/crypto/dstack` code.
 * The reference implementation itself is pinned to the dstack vectors first (kdf.rs, kms/src/crypto.rs).
 */
import { createECDH, createHash, createHmac, createPrivateKey, hkdfSync, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GetAppKeyResponse } from '../../src/kms/index.js'
import { nullLogger } from '../../src/log.js'
import { type Config, callKmsAsWorkload, loadConfig, startDevnet } from '../../src/node/index.js'
import { kmsStorage } from '../../src/node/kmsStorage.js'
import { createPlatform, identityOf } from '../../src/node/platform.js'
import { openStore } from '../../src/store/index.js'

// ---- independent reference implementation (dstack-kms.md §3.2–§3.4) ----------------------------------------

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const K256_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'))
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))
const int = (b: Uint8Array) => BigInt(`0x${hex(b) || '0'}`)
const be32 = (n: bigint) => unhex(n.toString(16).padStart(64, '0'))
const mod = (a: bigint, n: bigint) => ((a % n) + n) % n
function powMod(b: bigint, e: bigint, n: bigint): bigint {
  let r = 1n
  let x = mod(b, n)
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * x) % n
    x = (x * x) % n
  }
  return r
}

/** derive_key: HKDF-SHA256, salt "RATLS", info = the plain concatenation of the parts. */
const deriveKey = (ikm: Uint8Array, parts: Uint8Array[], len = 32) =>
  new Uint8Array(hkdfSync('sha256', ikm, 'RATLS', cat(...parts), len))

/** derive_dh_secret: sha256 of the PKCS#8 DER (OpenSSL's export: the 138-byte RustCrypto layout) of the derived P-256 key. */
function deriveDhSecret(rootCaScalar: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const d = deriveKey(rootCaScalar, parts)
  if (int(d) === 0n || int(d) >= P256_N) throw new Error('derived P-256 scalar out of range')
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(d)
  const pub = ecdh.getPublicKey()
  const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url')
  const der = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64u(d), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)) },
    format: 'jwk',
  }).export({ type: 'pkcs8', format: 'der' })
  expect(der.length).toBe(138)
  return new Uint8Array(createHash('sha256').update(der).digest())
}

/** secp256k1 k·G through OpenSSL: 65-byte uncompressed point. */
function k256Point(scalar: Uint8Array): Buffer {
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(scalar)
  return ecdh.getPublicKey()
}
const k256Compressed = (scalar: Uint8Array) => {
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(scalar)
  return new Uint8Array(ecdh.getPublicKey(null, 'compressed'))
}

/**
 * sign_recoverable_keccak256: ECDSA over keccak256(preimage) with an RFC 6979 (HMAC-SHA256) nonce, low-S,
 * 65 bytes r ‖ s ‖ v with v the recovery id (flipped when S is normalised).
 */
function signRecoverable(x: Uint8Array, preimage: Uint8Array): Uint8Array {
  const h = keccak_256(preimage)
  const z = mod(int(h), K256_N)
  const hmac = (key: Uint8Array, ...data: Uint8Array[]) =>
    new Uint8Array(
      createHmac('sha256', key)
        .update(cat(...data))
        .digest(),
    )
  let v: Uint8Array = new Uint8Array(32).fill(1)
  let k: Uint8Array = new Uint8Array(32)
  k = hmac(k, v, Uint8Array.of(0), x, be32(z))
  v = hmac(k, v)
  k = hmac(k, v, Uint8Array.of(1), x, be32(z))
  v = hmac(k, v)
  for (;;) {
    v = hmac(k, v)
    const nonce = int(v)
    if (nonce > 0n && nonce < K256_N) {
      const R = k256Point(v)
      const rx = int(R.subarray(1, 33))
      const r = mod(rx, K256_N)
      let s = mod(powMod(nonce, K256_N - 2n, K256_N) * (z + r * int(x)), K256_N)
      if (r !== 0n && s !== 0n) {
        let recid = ((R[64] as number) & 1) | (rx === r ? 0 : 2)
        if (s > K256_N >> 1n) {
          s = K256_N - s
          recid ^= 1
        }
        return cat(be32(r), be32(s), Uint8Array.of(recid))
      }
    }
    k = hmac(k, v, Uint8Array.of(0))
    v = hmac(k, v)
  }
}

/** derive_k256_key: the app scalar and sign_message(root, "dstack-kms-issued", app_id, compressed app pubkey). */
function deriveAppK256(rootK256: Uint8Array, appId: Uint8Array) {
  const key = deriveKey(rootK256, [appId, utf8('app-key')])
  if (int(key) === 0n || int(key) >= K256_N) throw new Error('derived secp256k1 scalar out of range')
  const signature = signRecoverable(rootK256, cat(utf8('dstack-kms-issued'), utf8(':'), appId, k256Compressed(key)))
  return { key, signature }
}

// ---- the devnet -------------------------------------------------------------------------------------------

let home: string
const replies: GetAppKeyResponse[] = []
const metaK256: string[] = []
const roots: { ca: Uint8Array; k256: Uint8Array }[] = []
let appId: Uint8Array
let instanceId: Uint8Array

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-appkey-derivation-'))
  const net = await startDevnet({ home, nodes: 2, basePort: 0, logger: nullLogger, agent: false })
  let nodeConfigs: Config[]
  try {
    const app = loadConfig(net.demoApp.home, readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8'))
    const id = await identityOf(app)
    appId = id.appId
    instanceId = id.instanceId
    for (const url of net.urls) {
      const r = await callKmsAsWorkload({ config: app, kmsUrl: url, method: 'GetAppKey', body: { api_version: 1 } })
      expect(r.status).toBe(200)
      replies.push(r.body as GetAppKeyResponse)
      const meta = await callKmsAsWorkload({ config: app, kmsUrl: url, method: 'GetMeta' })
      expect(meta.status).toBe(200)
      metaK256.push((meta.body as { k256_pubkey: string }).k256_pubkey)
    }
    nodeConfigs = net.nodes.map((n) => n.config)
  } finally {
    await net.close()
  }
  // The root keys, read through each node's sealed store as the node reads them.
  for (const cfg of nodeConfigs) {
    const tee = await createPlatform(cfg)
    const store = openStore({ dataDir: resolve(cfg.home, 'data'), sealingKey: await tee.sealingKey() })
    try {
      const m = kmsStorage(store).load()
      if (!m) throw new Error(`node ${cfg.home} has no keys`)
      roots.push({ ca: m.rootCaKey.expose().slice(), k256: m.rootK256Key.expose().slice() })
    } finally {
      store.close()
    }
  }
}, 120_000)

afterAll(() => {
  for (const r of roots) {
    r.ca.fill(0)
    r.k256.fill(0)
  }
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('the independent reference reproduces the dstack vectors', () => {
  it('derive_dh_secret: ra-tls kdf.rs test_derive_dh_secret_stable_output', () => {
    // root = the scalar inside the vector's PKCS#8 DER (dstack-kms.md §3.2)
    const root = unhex('f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1')
    expect(hex(deriveDhSecret(root, [utf8('context one'), utf8('context two')]))).toBe(
      '663afd58820be8ad645f9c035e93199d114ab16f738db62393bc1d7d623e8813',
    )
  })

  it('derive_k256_key + sign_message: kms/src/crypto.rs (root = [7;32], app_id = "app-a")', () => {
    const { key, signature } = deriveAppK256(new Uint8Array(32).fill(7), utf8('app-a'))
    expect(hex(key)).toBe('ed0fd39ce7c26a185f396945168972807b2f77820f14ee4bda9e1f46e8b4596d')
    expect(hex(signature)).toBe(
      'e12a5f4567f6d9f80b01944dea333bbed5b418347f4260ed95e9ee198a03014e1716a40d2ed6cd367e335b33e231510aa98216e62b631f2b75c181c2f989656800',
    )
  })
})

describe('GetAppKey over the wire = independent derivation from the sealed root keys', () => {
  it('both nodes hold the same root keys, and GetMeta.k256_pubkey is the root k256 public key', () => {
    expect(roots).toHaveLength(2)
    expect(hex(roots[1]!.ca)).toBe(hex(roots[0]!.ca))
    expect(hex(roots[1]!.k256)).toBe(hex(roots[0]!.k256))
    for (const m of metaK256) expect(m).toBe(hex(k256Compressed(roots[0]!.k256)))
  })

  it('the app identity is a 20-byte app id (the devnet demo app) and a 20-byte instance id', () => {
    expect(appId).toHaveLength(20)
    expect(instanceId).toHaveLength(20)
  })

  it('disk_crypt_key = derive_dh_secret(root_ca, [app_id, instance_id, "app-disk-crypt-key"])', () => {
    const want = hex(deriveDhSecret(roots[0]!.ca, [appId, instanceId, utf8('app-disk-crypt-key')]))
    for (const r of replies) expect(r.disk_crypt_key).toBe(want)
  })

  it('env_crypt_key = derive_dh_secret(root_ca, [app_id, "env-encrypt-key"])', () => {
    const want = hex(deriveDhSecret(roots[0]!.ca, [appId, utf8('env-encrypt-key')]))
    for (const r of replies) expect(r.env_crypt_key).toBe(want)
  })

  it('k256_key and k256_signature = derive_k256_key(root_k256, app_id)', () => {
    const want = deriveAppK256(roots[0]!.k256, appId)
    for (const r of replies) {
      expect(r.k256_key).toBe(hex(want.key))
      expect(r.k256_signature).toBe(hex(want.signature))
    }
  })

  it('ca_cert is a certificate for the root CA key', () => {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(roots[0]!.ca)
    const pub = ecdh.getPublicKey()
    for (const r of replies) {
      const jwk = new X509Certificate(r.ca_cert).publicKey.export({ format: 'jwk' })
      expect([jwk.crv, jwk.x, jwk.y]).toEqual([
        'P-256',
        pub.subarray(1, 33).toString('base64url'),
        pub.subarray(33).toString('base64url'),
      ])
    }
  })
})
