/**
 * dstack's KDF primitives (`ra-tls/src/kdf.rs`, dstack-kms.md §3.2), byte-exact.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '../bytes.js'
import { KmsCryptoError } from './errors.js'
import { KDF_SALT } from './labels.js'
import { assertP256Scalar, p256Pkcs8Der } from './p256Keys.js'

const SALT = utf8ToBytes(KDF_SALT)
/** RFC 5869: L ≤ 255·HashLen (ring rejects more too). */
const MAX_OKM = 255 * 32

/**
 * `derive_key(ikm, context_parts, len)`: HKDF-SHA256, salt "RATLS", info = the plain concatenation of
 * the parts (ring's `Prk::expand(&[&[u8]])`: no separators, no length prefixes).
 */
export function deriveKey(ikm: Uint8Array, contextParts: readonly Uint8Array[], len: number): Uint8Array {
  if (!Number.isInteger(len) || len < 1 || len > MAX_OKM)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_LENGTH', `HKDF output length must be 1..${MAX_OKM}, got ${len}`)
  return hkdf(sha256, ikm, SALT, concatBytes(...contextParts), len)
}

/**
 * `derive_p256_key_pair_from_bytes`: HKDF the 32-byte root scalar and use the output as a P-256 scalar.
 * It must lie in [1, n); there is no retry or reduction (dstack errors out, so do we).
 */
export function deriveP256Key(rootScalar32: Uint8Array, contextParts: readonly Uint8Array[]): Uint8Array {
  assertP256Scalar(rootScalar32, 'root P-256 scalar')
  const d = deriveKey(rootScalar32, contextParts, 32)
  assertP256Scalar(d, 'derived P-256 scalar')
  return d
}

/** `derive_dh_secret`: sha256 of the RustCrypto PKCS#8 DER of the derived P-256 key (a historical choice, kept exactly). */
export function deriveDhSecret(rootScalar32: Uint8Array, contextParts: readonly Uint8Array[]): Uint8Array {
  const d = deriveP256Key(rootScalar32, contextParts)
  const der = p256Pkcs8Der(d)
  const out = sha256(der)
  der.fill(0)
  d.fill(0)
  return out
}
