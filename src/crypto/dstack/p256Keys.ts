/**
 * P-256 key encodings, byte-exact with what dstack's Rust stack produces (dstack-kms.md §3.2):
 * RustCrypto `p256::SecretKey::to_pkcs8_der()` (138 bytes: no `[0]` params inside ECPrivateKey, `[1]`
 * uncompressed public key) and rcgen's SPKI. The parsers also accept the OpenSSL/WebCrypto layouts.
 */
import { createECDH } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { concatBytes, equalBytes } from '../bytes.js'
import { children, content, DerError, encodeTlv, readTop, type Tlv } from '../der.js'
import { fromHex } from '../hex.js'
import { derToPem, PemError, pemBlocks } from '../pem.js'
import { SecretBytes } from '../secretBytes.js'
import { KmsCryptoError } from './errors.js'

const P256_N = p256.Point.Fn.ORDER

/** DER of OID id-ecPublicKey (1.2.840.10045.2.1) and prime256v1 (1.2.840.10045.3.1.7), tag + length included. */
const OID_EC_PUBLIC_KEY = fromHex('06072a8648ce3d0201')
const OID_PRIME256V1 = fromHex('06082a8648ce3d030107')
const ALGORITHM = concatBytes(OID_EC_PUBLIC_KEY, OID_PRIME256V1)
const ALGORITHM_ID = encodeTlv(0x30, ALGORITHM)

/** Everything of the RustCrypto PKCS#8 layout before the 32-byte scalar. */
const PKCS8_HEAD = fromHex('308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420')
/** `[1] { BIT STRING (0 unused bits) }` header before the 65-byte uncompressed point. */
const PKCS8_PUB_HEAD = fromHex('a144034200')

/** Throw unless `scalar` is a 32-byte big-endian P-256 private scalar in [1, n). */
export function assertP256Scalar(scalar: Uint8Array, what = 'P-256 scalar'): void {
  if (!(scalar instanceof Uint8Array) || scalar.length !== 32)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_SCALAR', `${what} must be 32 bytes`)
  const d = bytesToNumberBE(scalar)
  if (d === 0n || d >= P256_N)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_SCALAR', `${what} is outside [1, n); use a valid P-256 key`)
}

/** Public key of a P-256 scalar: 65-byte uncompressed SEC1 (default) or 33-byte compressed. */
export function p256PublicKey(scalar: Uint8Array, compressed = false): Uint8Array {
  assertP256Scalar(scalar)
  // OpenSSL's P-256 base-point multiplication (constant-time nistz256) is ~10× faster than noble's here,
  // and GetAppKey does two of these per request. Same result, checked against noble in the tests.
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(scalar)
  return new Uint8Array(ecdh.getPublicKey(null, compressed ? 'compressed' : 'uncompressed'))
}

/** The exact 138-byte PKCS#8 DER RustCrypto's `p256::SecretKey::to_pkcs8_der()` emits (hashed by derive_dh_secret). */
export function p256Pkcs8Der(scalar: Uint8Array): Uint8Array {
  const pub = p256PublicKey(scalar, false)
  return concatBytes(PKCS8_HEAD, scalar, PKCS8_PUB_HEAD, pub)
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, 64-column base64, LF), as rcgen `serialize_pem()` writes it. */
export function p256Pkcs8Pem(scalar: Uint8Array): string {
  return derToPem(p256Pkcs8Der(scalar), 'PRIVATE KEY')
}

/** The single DER element `b` consists of, which must carry `tag`. */
function only(b: Uint8Array, tag: number): Tlv {
  const t = readTop(b)
  if (t.tag !== tag) throw new DerError(`expected DER tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`)
  return t
}

/** SPKI DER of a P-256 public key (33- or 65-byte SEC1 in; always encodes the uncompressed point, as rcgen does). */
export function p256SpkiDer(publicKey: Uint8Array): Uint8Array {
  let point: Uint8Array
  try {
    point = p256.Point.fromBytes(publicKey).toBytes(false)
  } catch {
    throw new KmsCryptoError(
      'KMS_CRYPTO_BAD_KEY_ENCODING',
      'not a valid P-256 public key (expected 33 or 65 SEC1 bytes)',
    )
  }
  return encodeTlv(0x30, concatBytes(ALGORITHM_ID, encodeTlv(0x03, concatBytes(Uint8Array.of(0), point))))
}

/**
 * The SEC1 point inside a P-256 SPKI DER. `uncompressedOnly` mirrors ring (used by dstack's CSR check),
 * which only accepts uncompressed points.
 */
export function p256PublicKeyFromSpki(spki: Uint8Array, opts: { uncompressedOnly?: boolean } = {}): Uint8Array {
  try {
    const [alg, bits, ...rest] = children(spki, only(spki, 0x30))
    if (!alg || !bits || rest.length || alg.tag !== 0x30 || bits.tag !== 0x03) throw new DerError('not an SPKI')
    if (!equalBytes(content(spki, alg), ALGORITHM)) throw new DerError('not a P-256 key')
    const bitString = content(spki, bits)
    if (bitString[0] !== 0) throw new DerError('BIT STRING with unused bits')
    const point = bitString.subarray(1)
    if (opts.uncompressedOnly && (point.length !== 65 || point[0] !== 4)) throw new DerError('compressed point')
    p256.Point.fromBytes(point) // on-curve check
    return point
  } catch (e) {
    if (e instanceof KmsCryptoError) throw e
    throw new KmsCryptoError(
      'KMS_CRYPTO_BAD_KEY_ENCODING',
      `invalid P-256 SubjectPublicKeyInfo: ${(e as Error).message}`,
    )
  }
}

/** Parse a SEC1 ECPrivateKey (RFC 5915); `outerCurveKnown` = the curve came from the PKCS#8 AlgorithmIdentifier. */
function scalarFromEcPrivateKey(der: Uint8Array, outerCurveKnown: boolean): Uint8Array {
  const [ver, key, ...opt] = children(der, only(der, 0x30))
  if (!ver || !key || ver.tag !== 0x02 || !equalBytes(content(der, ver), Uint8Array.of(1)) || key.tag !== 0x04)
    throw new DerError('not an ECPrivateKey v1')
  // RustCrypto accepts 24..=32 byte scalars and left-pads them.
  const d = content(der, key)
  if (d.length < 24 || d.length > 32) throw new DerError('private key is not 24..32 bytes')
  const scalar = new Uint8Array(32)
  scalar.set(d, 32 - d.length)
  let sawParams = false
  let pub: Uint8Array | undefined
  let lastTag = 0
  for (const f of opt) {
    if (f.tag <= lastTag) throw new DerError('ECPrivateKey fields out of order')
    lastTag = f.tag
    const value = content(der, f)
    if (f.tag === 0xa0) {
      if (!equalBytes(value, OID_PRIME256V1)) throw new DerError('ECPrivateKey parameters are not prime256v1')
      sawParams = true
    } else if (f.tag === 0xa1) {
      const bits = content(value, only(value, 0x03))
      if (bits[0] !== 0) throw new DerError('public key BIT STRING with unused bits')
      pub = bits.subarray(1)
    } else throw new DerError('unknown ECPrivateKey field')
  }
  if (!outerCurveKnown && !sawParams) throw new DerError('SEC1 key without curve parameters')
  assertP256Scalar(scalar, 'PKCS#8 private key')
  if (pub) {
    let ok = false
    try {
      ok = p256.Point.fromBytes(pub).equals(p256.Point.BASE.multiply(bytesToNumberBE(scalar)))
    } catch {
      ok = false
    }
    if (!ok) throw new DerError('embedded public key does not match the private key')
  }
  return scalar
}

/**
 * The 32-byte scalar of a P-256 private key in PKCS#8 DER: the RustCrypto/rcgen layout (no `[0]`,
 * `[1]` pubkey) and the OpenSSL/WebCrypto one (with `[0]` params and/or attributes) are both accepted.
 */
export function p256ScalarFromPkcs8(der: Uint8Array): Uint8Array {
  try {
    const [ver, alg, key, ...rest] = children(der, only(der, 0x30))
    if (!ver || !alg || !key || ver.tag !== 0x02 || alg.tag !== 0x30 || key.tag !== 0x04)
      throw new DerError('not a PKCS#8 PrivateKeyInfo')
    const version = content(der, ver)
    if (version.length !== 1 || (version[0] as number) > 1) throw new DerError('unsupported PKCS#8 version')
    if (!equalBytes(content(der, alg), ALGORITHM)) throw new DerError('not a P-256 EC key')
    for (const r of rest) if (r.tag !== 0xa0 && r.tag !== 0x81 && r.tag !== 0xa1) throw new DerError('unknown field')
    return scalarFromEcPrivateKey(content(der, key), true)
  } catch (e) {
    if (e instanceof KmsCryptoError) throw e
    throw new KmsCryptoError('KMS_CRYPTO_BAD_KEY_ENCODING', `invalid P-256 PKCS#8 key: ${(e as Error).message}`)
  }
}

/** Scalar from a PEM private key: `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1, must name prime256v1). */
export function p256ScalarFromPem(pem: string): Uint8Array {
  let block: { label: string; der: Uint8Array } | undefined
  try {
    block = pemBlocks(pem).find((b) => b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY')
  } catch (e) {
    if (!(e instanceof PemError)) throw e
  }
  if (!block)
    throw new KmsCryptoError('KMS_CRYPTO_BAD_KEY_ENCODING', 'expected a PEM "PRIVATE KEY" or "EC PRIVATE KEY" block')
  const der = block.der
  if (block.label === 'PRIVATE KEY') return p256ScalarFromPkcs8(der)
  try {
    return scalarFromEcPrivateKey(der, false)
  } catch (e) {
    if (e instanceof KmsCryptoError) throw e
    throw new KmsCryptoError('KMS_CRYPTO_BAD_KEY_ENCODING', `invalid SEC1 EC private key: ${(e as Error).message}`)
  }
}

/** As p256ScalarFromPem, with the scalar wrapped in SecretBytes (root/temp CA keys from GetKmsKey / key files). */
export function p256ScalarFromPkcs8Pem(pem: string): SecretBytes {
  return new SecretBytes(p256ScalarFromPem(pem))
}
