import { createPrivateKey, hkdfSync, randomBytes } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { concatBytes, utf8ToBytes } from '../bytes.js'
import { toHex } from '../hex.js'
import { deriveAppCaScalar, deriveAppK256Key, deriveAppKeys } from './appKeys.js'

const hk = (ikm: Uint8Array, ...info: (Uint8Array | string)[]) =>
  new Uint8Array(
    hkdfSync('sha256', ikm, 'RATLS', concatBytes(...info.map((x) => (typeof x === 'string' ? utf8ToBytes(x) : x))), 32),
  )
/** Independent derive_dh_secret: node HKDF, OpenSSL PKCS#8 export (same 138-byte layout as RustCrypto), sha256. */
function dh(root: Uint8Array, ...info: (Uint8Array | string)[]): Uint8Array {
  const d = hk(root, ...info)
  const pub = p256.getPublicKey(d, false)
  const b = (x: Uint8Array) => Buffer.from(x).toString('base64url')
  const key = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b(d), x: b(pub.subarray(1, 33)), y: b(pub.subarray(33)) },
    format: 'jwk',
  })
  return sha256(new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })))
}

const rootCaScalar = p256.utils.randomSecretKey()
const rootK256Scalar = secp256k1.utils.randomSecretKey()
const appId = new Uint8Array(randomBytes(20))
const instanceId = new Uint8Array(randomBytes(20))

describe('deriveAppKeys', () => {
  const keys = deriveAppKeys({ rootCaScalar, rootK256Scalar, appId, instanceId })

  it('disk and env keys are sha256(PKCS#8(HKDF(root_ca, parts))) with dstack labels', () => {
    expect(toHex(keys.diskCryptKey)).toBe(toHex(dh(rootCaScalar, appId, instanceId, 'app-disk-crypt-key')))
    expect(toHex(keys.envCryptKey)).toBe(toHex(dh(rootCaScalar, appId, 'env-encrypt-key')))
  })

  it('k256 key = HKDF(root_k256, app_id ‖ "app-key"), signature recovers to the root over the hand-built digest', () => {
    expect(toHex(keys.k256Key)).toBe(toHex(hk(rootK256Scalar, appId, 'app-key')))
    expect(keys.k256Signature.length).toBe(65)
    const appPub = secp256k1.getPublicKey(keys.k256Key, true)
    const digest = keccak_256(concatBytes(utf8ToBytes('dstack-kms-issued:'), appId, appPub))
    const rec = secp256k1.Signature.fromBytes(keys.k256Signature.subarray(0, 64), 'compact')
      .addRecoveryBit(keys.k256Signature[64] as number)
      .recoverPublicKey(digest)
      .toBytes(true)
    expect(toHex(rec)).toBe(toHex(secp256k1.getPublicKey(rootK256Scalar, true)))
  })

  it('app CA key = HKDF(root_ca, app_id ‖ "app-ca") as a P-256 scalar', () => {
    expect(toHex(deriveAppCaScalar(rootCaScalar, appId))).toBe(toHex(hk(rootCaScalar, appId, 'app-ca')))
  })

  it('an empty instance_id is allowed and changes only the disk key', () => {
    const k2 = deriveAppKeys({ rootCaScalar, rootK256Scalar, appId, instanceId: new Uint8Array(0) })
    expect(toHex(k2.diskCryptKey)).toBe(toHex(dh(rootCaScalar, appId, 'app-disk-crypt-key')))
    expect(toHex(k2.diskCryptKey)).not.toBe(toHex(keys.diskCryptKey))
    expect(toHex(k2.envCryptKey)).toBe(toHex(keys.envCryptKey))
    expect(toHex(k2.k256Key)).toBe(toHex(keys.k256Key))
  })

  it('the k256 half comes from the given source (the KMS per-app cache), by default deriveAppK256Key', () => {
    const d = deriveAppK256Key(rootK256Scalar, appId)
    expect(toHex(keys.k256Key)).toBe(toHex(d.key))
    expect(toHex(keys.k256Signature)).toBe(toHex(d.signature))
    const calls: Uint8Array[][] = []
    const cached = { key: d.key.slice(), signature: d.signature.slice() }
    const k2 = deriveAppKeys({ rootCaScalar, rootK256Scalar, appId, instanceId }, (root, id) => {
      calls.push([root, id])
      return cached
    })
    expect(calls).toEqual([[rootK256Scalar, appId]])
    expect(k2.k256Key).toBe(cached.key)
    expect(k2.k256Signature).toBe(cached.signature)
    expect(toHex(k2.diskCryptKey)).toBe(toHex(keys.diskCryptKey))
    expect(toHex(k2.envCryptKey)).toBe(toHex(keys.envCryptKey))
  })

  it('different apps get unrelated keys', () => {
    const other = appId.slice()
    other[0] = (other[0] as number) ^ 1
    const k2 = deriveAppKeys({ rootCaScalar, rootK256Scalar, appId: other, instanceId })
    for (const f of ['diskCryptKey', 'envCryptKey', 'k256Key', 'k256Signature'] as const)
      expect(toHex(k2[f])).not.toBe(toHex(keys[f]))
  })

  it('generated negatives: wrong id lengths and invalid root scalars', () => {
    const base = { rootCaScalar, rootK256Scalar, appId, instanceId }
    for (const n of [0, 19, 21, 32])
      expect(codeOf(() => deriveAppKeys({ ...base, appId: new Uint8Array(n) }))).toBe('KMS_CRYPTO_INVALID_LENGTH')
    for (const n of [1, 19, 21, 32])
      expect(codeOf(() => deriveAppKeys({ ...base, instanceId: new Uint8Array(n) }))).toBe('KMS_CRYPTO_INVALID_LENGTH')
    for (const bad of [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(31).fill(1)]) {
      expect(codeOf(() => deriveAppKeys({ ...base, rootCaScalar: bad }))).toBe('KMS_CRYPTO_INVALID_SCALAR')
      expect(codeOf(() => deriveAppKeys({ ...base, rootK256Scalar: bad }))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    }
  })
})
