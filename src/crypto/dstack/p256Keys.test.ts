import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { concatBytes } from '../bytes.js'
import { fromHex, toHex } from '../hex.js'
import {
  p256Pkcs8Der,
  p256Pkcs8Pem,
  p256PublicKey,
  p256PublicKeyFromSpki,
  p256ScalarFromPem,
  p256ScalarFromPkcs8,
  p256ScalarFromPkcs8Pem,
  p256SpkiDer,
} from './p256Keys.js'

function nodeP256() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = privateKey.export({ format: 'jwk' })
  return {
    privateKey,
    publicKey,
    d: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')),
    pkcs8: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    sec1Pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string,
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  }
}

/** Minimal DER builders for hand-made layouts. */
const tlv = (tag: number, v: Uint8Array) =>
  concatBytes(v.length < 128 ? Uint8Array.of(tag, v.length) : Uint8Array.of(tag, 0x81, v.length), v)
const ALG = fromHex('301306072a8648ce3d020106082a8648ce3d030107')
const PRIME256V1 = fromHex('06082a8648ce3d030107')

/** PKCS#8 with `[0]` params inside ECPrivateKey (the layout some WebCrypto/OpenSSL builds emit). */
function pkcs8WithParams(d: Uint8Array, pub?: Uint8Array): Uint8Array {
  const fields = [fromHex('020101'), tlv(0x04, d), tlv(0xa0, PRIME256V1)]
  if (pub) fields.push(tlv(0xa1, tlv(0x03, concatBytes(Uint8Array.of(0), pub))))
  const ec = tlv(0x30, concatBytes(...fields))
  return tlv(0x30, concatBytes(fromHex('020100'), ALG, tlv(0x04, ec)))
}

// dstack ra-tls/src/kdf.rs test_derive_dh_secret_stable_output root key (dstack-kms.md §3.2)
const ROOT_PKCS8 =
  '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1a1440342000491f50522407ce29dce3ed7d31a15d80c1c42f13a23552d2b33a0ce09ee11e47bce95936f3e7f80d195f879e28e1b144ef37ac9ab8e36a690cbf930b775897b27'
const ROOT_D = 'f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1'
const P256_N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'

describe('p256Pkcs8Der / PEM', () => {
  it('reproduces the 138-byte RustCrypto layout of the dstack KAT root key, and refuses n', () => {
    expect(toHex(p256Pkcs8Der(fromHex(ROOT_D)))).toBe(ROOT_PKCS8)
    expect(toHex(p256ScalarFromPkcs8(fromHex(ROOT_PKCS8)))).toBe(ROOT_D)
    expect(codeOf(() => p256Pkcs8Der(fromHex(P256_N)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
  })

  it('is the 138-byte RustCrypto layout that OpenSSL also imports, with the matching public key', () => {
    const k = nodeP256()
    const der = p256Pkcs8Der(k.d)
    expect(der.length).toBe(138)
    expect(toHex(der.subarray(0, 36))).toBe('308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420')
    expect(toHex(der)).toBe(toHex(k.pkcs8))
    const imported = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
    expect(imported.export({ format: 'jwk' }).x).toBe(k.privateKey.export({ format: 'jwk' }).x)
  })

  it('PEM is 64-column base64 of the DER and round-trips', () => {
    const k = nodeP256()
    const pem = p256Pkcs8Pem(k.d)
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true)
    expect(pem.endsWith('\n-----END PRIVATE KEY-----\n')).toBe(true)
    for (const line of pem.trim().split('\n').slice(1, -1)) expect(line.length).toBeLessThanOrEqual(64)
    expect(toHex(p256ScalarFromPem(pem))).toBe(toHex(k.d))
    const wrapped = p256ScalarFromPkcs8Pem(pem)
    expect(String(wrapped)).toBe('[secret]')
    expect(toHex(wrapped.expose())).toBe(toHex(k.d))
    expect(pem).toBe(k.privateKey.export({ type: 'pkcs8', format: 'pem' }))
  })

  it('refuses invalid scalars', () => {
    expect(codeOf(() => p256Pkcs8Der(new Uint8Array(32)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => p256Pkcs8Der(new Uint8Array(33).fill(1)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => p256Pkcs8Der(new Uint8Array(32).fill(0xff)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
  })
})

describe('p256ScalarFromPkcs8', () => {
  it('reads OpenSSL PKCS#8, [0]-params layouts (with and without [1]) and SEC1 PEM', () => {
    const k = nodeP256()
    const pub = p256PublicKey(k.d)
    expect(toHex(p256ScalarFromPkcs8(k.pkcs8))).toBe(toHex(k.d))
    expect(toHex(p256ScalarFromPkcs8(pkcs8WithParams(k.d, pub)))).toBe(toHex(k.d))
    expect(toHex(p256ScalarFromPkcs8(pkcs8WithParams(k.d)))).toBe(toHex(k.d))
    expect(toHex(p256ScalarFromPem(k.sec1Pem))).toBe(toHex(k.d))
    // OpenSSL itself accepts the [0]-params form we generated
    createPrivateKey({ key: Buffer.from(pkcs8WithParams(k.d, pub)), format: 'der', type: 'pkcs8' })
  })

  it('refuses a key whose embedded public key does not match', () => {
    const a = nodeP256()
    const b = nodeP256()
    expect(codeOf(() => p256ScalarFromPkcs8(pkcs8WithParams(a.d, p256PublicKey(b.d))))).toBe(
      'KMS_CRYPTO_BAD_KEY_ENCODING',
    )
  })

  it('refuses other curves and key types', () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({
      type: 'pkcs8',
      format: 'der',
    })
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' })
    expect(codeOf(() => p256ScalarFromPkcs8(new Uint8Array(k1)))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
    expect(codeOf(() => p256ScalarFromPkcs8(new Uint8Array(ed)))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
    expect(codeOf(() => p256ScalarFromPem('not a pem'))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
  })

  it('every truncation and trailing garbage gives a typed error, never a crash', () => {
    const der = nodeP256().pkcs8
    for (let n = 0; n < der.length; n++)
      expect(codeOf(() => p256ScalarFromPkcs8(der.subarray(0, n)))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
    expect(codeOf(() => p256ScalarFromPkcs8(concatBytes(der, Uint8Array.of(0))))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
  })

  it('single-byte corruptions give success or a typed error only', () => {
    const der = nodeP256().pkcs8
    for (let i = 0; i < der.length; i++) {
      const bad = der.slice()
      bad[i] = (bad[i] as number) ^ 0x5a
      const code = codeOf(() => p256ScalarFromPkcs8(bad))
      expect([undefined, 'KMS_CRYPTO_BAD_KEY_ENCODING', 'KMS_CRYPTO_INVALID_SCALAR']).toContain(code)
    }
  })
})

describe('SPKI', () => {
  it('p256SpkiDer matches OpenSSL and parses back (from compressed or uncompressed input)', () => {
    const k = nodeP256()
    const pub = p256PublicKey(k.d)
    expect(toHex(p256SpkiDer(pub))).toBe(toHex(k.spki))
    expect(toHex(p256SpkiDer(p256PublicKey(k.d, true)))).toBe(toHex(k.spki))
    expect(toHex(p256PublicKeyFromSpki(k.spki, { uncompressedOnly: true }))).toBe(toHex(pub))
  })

  it('refuses compressed points when asked, other curves, and garbage', () => {
    const k = nodeP256()
    const reexported = new Uint8Array(
      createPublicKey({ key: Buffer.from(k.spki), format: 'der', type: 'spki' }).export({
        type: 'spki',
        format: 'der',
      }),
    )
    const compressedSpki = tlv(
      0x30,
      concatBytes(ALG, tlv(0x03, concatBytes(Uint8Array.of(0), p256PublicKey(k.d, true)))),
    )
    expect(p256PublicKeyFromSpki(compressedSpki).length).toBe(33)
    expect(codeOf(() => p256PublicKeyFromSpki(compressedSpki, { uncompressedOnly: true }))).toBe(
      'KMS_CRYPTO_BAD_KEY_ENCODING',
    )
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' })
    expect(codeOf(() => p256PublicKeyFromSpki(new Uint8Array(k1)))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
    expect(codeOf(() => p256SpkiDer(new Uint8Array(65)))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
    for (let n = 0; n < reexported.length; n++)
      expect(codeOf(() => p256PublicKeyFromSpki(reexported.subarray(0, n)))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
    const offCurve = k.spki.slice()
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] as number) ^ 1
    expect(codeOf(() => p256PublicKeyFromSpki(offCurve))).toBe('KMS_CRYPTO_BAD_KEY_ENCODING')
  })
})
