/**
 * ECDSA P-256 key handling for X.509 and TLS (WebCrypto keys, PKCS#8 / SPKI DER and PEM).
 * dstack's KMS keys are all P-256 (rcgen `PKCS_ECDSA_P256_SHA256`); the KMS also derives P-256 keys
 * deterministically from a 32-byte scalar (dstack-kms.md §3.2), hence the scalar import/export helpers.
 */
import type { webcrypto } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { derToPem, pemToDer } from './pem.js'
import { SecretBytes } from './secretBytes.js'

export type WebCryptoKey = webcrypto.CryptoKey
export interface P256KeyPair {
  publicKey: WebCryptoKey
  privateKey: WebCryptoKey
}

const subtle = globalThis.crypto.subtle
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const fromB64url = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'))

/** Fresh extractable P-256 key pair (usable for ECDSA-SHA256 signing and as a TLS key). */
export async function generateP256KeyPair(): Promise<P256KeyPair> {
  return (await subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as P256KeyPair
}

function scalarBytes(d: Uint8Array | SecretBytes): Uint8Array {
  const b = d instanceof SecretBytes ? d.expose() : d
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new RangeError(`"d" expected a 32-byte P-256 scalar, got length=${(b as Uint8Array)?.length}`)
  }
  return b
}

/**
 * Key pair from a raw big-endian 32-byte P-256 scalar. Throws RangeError unless 1 ≤ d < n
 * (dstack does not reduce or retry, so neither do we).
 */
export async function p256KeyPairFromScalar(d: Uint8Array | SecretBytes): Promise<P256KeyPair> {
  const sk = scalarBytes(d)
  if (!p256.utils.isValidSecretKey(sk)) throw new RangeError('"d" is not a valid P-256 scalar (need 1 <= d < n)')
  const pub = p256.getPublicKey(sk, false) // 0x04 || X || Y
  const x = b64url(pub.subarray(1, 33))
  const y = b64url(pub.subarray(33, 65))
  const jwk = { kty: 'EC', crv: 'P-256', x, y }
  const privateKey = await subtle.importKey('jwk', { ...jwk, d: b64url(sk) }, ECDSA_P256, true, ['sign'])
  const publicKey = await subtle.importKey('jwk', jwk, ECDSA_P256, true, ['verify'])
  return { publicKey, privateKey }
}

/** The raw 32-byte scalar of an extractable P-256 private key. */
export async function exportP256Scalar(privateKey: WebCryptoKey): Promise<SecretBytes> {
  const jwk = await subtle.exportKey('jwk', privateKey)
  if (!jwk.d) throw new TypeError('expected a P-256 private key')
  const d = fromB64url(jwk.d)
  if (d.length !== 32) throw new RangeError('unexpected P-256 scalar length')
  return new SecretBytes(d)
}

/** PKCS#8 DER of an extractable private key. */
export async function exportPkcs8Der(privateKey: WebCryptoKey): Promise<SecretBytes> {
  return new SecretBytes(new Uint8Array(await subtle.exportKey('pkcs8', privateKey)))
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the format of dstack's `*.key` files and `KmsKeys.ca_key`. */
export async function exportPkcs8Pem(privateKey: WebCryptoKey): Promise<string> {
  const der = await exportPkcs8Der(privateKey)
  try {
    return derToPem(der.expose(), 'PRIVATE KEY')
  } finally {
    der.wipe()
  }
}

/** Import a P-256 PKCS#8 private key (DER) and recompute its public key. Keys stay extractable. */
export async function importPkcs8Der(der: Uint8Array | SecretBytes): Promise<P256KeyPair> {
  const bytes = der instanceof SecretBytes ? der.expose() : der
  let privateKey: WebCryptoKey
  try {
    privateKey = await subtle.importKey('pkcs8', bytes, ECDSA_P256, true, ['sign'])
  } catch (cause) {
    throw new TypeError('expected a PKCS#8 P-256 (prime256v1) private key', { cause })
  }
  const { kty, crv, x, y } = await subtle.exportKey('jwk', privateKey)
  const publicKey = await subtle.importKey('jwk', { kty, crv, x, y }, ECDSA_P256, true, ['verify'])
  return { publicKey, privateKey }
}

/** Import a P-256 PKCS#8 PEM (`PRIVATE KEY`). */
export async function importPkcs8Pem(pem: string): Promise<P256KeyPair> {
  const der = pemToDer(pem, 'PRIVATE KEY')
  try {
    return await importPkcs8Der(der)
  } finally {
    der.fill(0)
  }
}

/** SubjectPublicKeyInfo DER of a public key (the content dstack binds in RA-TLS report_data). */
export async function exportSpkiDer(publicKey: WebCryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('spki', publicKey))
}

/** Import a P-256 SPKI DER public key (for ECDSA verify). */
export async function importSpkiDer(spki: Uint8Array): Promise<WebCryptoKey> {
  return subtle.importKey('spki', spki, ECDSA_P256, true, ['verify'])
}
