import { createPrivateKey, hkdfSync } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { concatBytes, utf8ToBytes } from '../bytes.js'
import { fromHex, toHex } from '../hex.js'
import { deriveDhSecret, deriveKey, deriveP256Key } from './kdf.js'
import { assertP256Scalar, p256Pkcs8Der, p256ScalarFromPkcs8 } from './p256Keys.js'

// dstack ra-tls/src/kdf.rs test_derive_dh_secret_stable_output (dstack-kms.md §3.2)
const ROOT_DER = fromHex(
  '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1a1440342000491f50522407ce29dce3ed7d31a15d80c1c42f13a23552d2b33a0ce09ee11e47bce95936f3e7f80d195f879e28e1b144ef37ac9ab8e36a690cbf930b775897b27',
)
const CTX = [utf8ToBytes('context one'), utf8ToBytes('context two')]
const P256_N = p256.Point.Fn.ORDER

const scalarBytes = (n: bigint) => fromHex(n.toString(16).padStart(64, '0'))
/** Independent: node's HKDF + OpenSSL's PKCS#8 export of the same key. */
function opensslDhSecret(root: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const d = new Uint8Array(hkdfSync('sha256', root, 'RATLS', concatBytes(...parts), 32))
  const pub = p256.getPublicKey(d, false)
  const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url')
  const key = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64u(d), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)) },
    format: 'jwk',
  })
  return sha256(new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })))
}

describe('deriveDhSecret (dstack KAT)', () => {
  it('reproduces the kdf.rs stable-output vector', () => {
    const root = p256ScalarFromPkcs8(ROOT_DER)
    expect(toHex(root)).toBe('f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1')
    expect(toHex(deriveDhSecret(root, CTX))).toBe('663afd58820be8ad645f9c035e93199d114ab16f738db62393bc1d7d623e8813')
  })

  it('re-encodes the root key to the exact vector DER (RustCrypto layout, 138 bytes)', () => {
    const der = p256Pkcs8Der(p256ScalarFromPkcs8(ROOT_DER))
    expect(der.length).toBe(138)
    expect(toHex(der)).toBe(toHex(ROOT_DER))
  })

  it('matches an independent recomputation (node HKDF + OpenSSL PKCS#8)', () => {
    const root = p256ScalarFromPkcs8(ROOT_DER)
    for (const parts of [CTX, [fromHex('11'.repeat(20)), utf8ToBytes('env-encrypt-key')], []]) {
      expect(toHex(deriveDhSecret(root, parts))).toBe(toHex(opensslDhSecret(root, parts)))
    }
  })

  it('context parts are concatenated without separators', () => {
    const root = p256ScalarFromPkcs8(ROOT_DER)
    expect(toHex(deriveDhSecret(root, [utf8ToBytes('context onecontext two')]))).toBe(toHex(deriveDhSecret(root, CTX)))
    expect(toHex(deriveDhSecret(root, [utf8ToBytes('context one')]))).not.toBe(toHex(deriveDhSecret(root, CTX)))
  })
})

describe('deriveKey', () => {
  it('is HKDF-SHA256 with salt "RATLS" and info = concatenated parts', () => {
    const ikm = utf8ToBytes('input key material')
    for (const len of [1, 32, 64, 256]) {
      const want = new Uint8Array(hkdfSync('sha256', ikm, 'RATLS', 'context onecontext two', len))
      expect(toHex(deriveKey(ikm, CTX, len))).toBe(toHex(want))
    }
  })

  it('refuses output lengths HKDF cannot produce', () => {
    for (const len of [0, -1, 1.5, 255 * 32 + 1, Number.NaN])
      expect(codeOf(() => deriveKey(new Uint8Array(32), [], len))).toBe('KMS_CRYPTO_INVALID_LENGTH')
    expect(deriveKey(new Uint8Array(32), [], 255 * 32).length).toBe(255 * 32)
  })
})

describe('deriveP256Key', () => {
  it('returns the HKDF output itself as the scalar (no reduction)', () => {
    const root = p256ScalarFromPkcs8(ROOT_DER)
    const d = deriveP256Key(root, CTX)
    expect(toHex(d)).toBe(toHex(new Uint8Array(hkdfSync('sha256', root, 'RATLS', 'context onecontext two', 32))))
  })

  it('refuses invalid root scalars', () => {
    for (const bad of [new Uint8Array(32), scalarBytes(P256_N), scalarBytes(P256_N + 1n), new Uint8Array(31).fill(1)])
      expect(codeOf(() => deriveP256Key(bad, CTX))).toBe('KMS_CRYPTO_INVALID_SCALAR')
  })

  it('the range check used on derived scalars accepts 1..n-1 only', () => {
    expect(codeOf(() => assertP256Scalar(scalarBytes(1n)))).toBeUndefined()
    expect(codeOf(() => assertP256Scalar(scalarBytes(P256_N - 1n)))).toBeUndefined()
    expect(codeOf(() => assertP256Scalar(scalarBytes(P256_N)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => assertP256Scalar(scalarBytes(0n)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
  })
})
