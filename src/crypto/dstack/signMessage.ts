/**
 * dstack's recoverable secp256k1 signatures (`kms/src/crypto.rs`, `ra_tls::api_v1::sign_recoverable_keccak256`,
 * dstack-kms.md §3.4): 65 bytes `r ‖ s ‖ v` over keccak256 of a raw preimage, low-S, RFC 6979 (so the bytes
 * are deterministic and equal to k256's), `v` = recovery id (0/1; 2/3 only if r overflowed, ~2^-128).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { concatBytes, utf8ToBytes } from '../bytes.js'
import { KmsCryptoError } from './errors.js'

const K256_N = secp256k1.Point.Fn.ORDER

export type Bytesish = string | Uint8Array
const asBytes = (x: Bytesish): Uint8Array => (typeof x === 'string' ? utf8ToBytes(x) : x)

/** Throw unless `scalar` is a 32-byte secp256k1 private scalar in [1, n). */
export function assertK256Scalar(scalar: Uint8Array, what = 'secp256k1 scalar'): void {
  if (!(scalar instanceof Uint8Array) || scalar.length !== 32)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_SCALAR', `${what} must be 32 bytes`)
  const d = bytesToNumberBE(scalar)
  if (d === 0n || d >= K256_N)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_SCALAR', `${what} is outside [1, n); use a valid secp256k1 key`)
}

/** 33-byte compressed SEC1 public key (what dstack signs, publishes in GetMeta and puts on chain). */
export function k256PublicKey(scalar: Uint8Array): Uint8Array {
  assertK256Scalar(scalar)
  return secp256k1.getPublicKey(scalar, true)
}

/** u64 big-endian; throws on anything outside [0, 2^64). */
export function u64be(value: bigint | number): Uint8Array {
  let v: bigint
  try {
    v = BigInt(value)
  } catch {
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_TIMESTAMP', 'timestamp must be an integer')
  }
  if (v < 0n || v >= 1n << 64n) throw new KmsCryptoError('KMS_CRYPTO_INVALID_TIMESTAMP', 'timestamp must fit in u64')
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, v, false)
  return out
}

/** `sign_recoverable_keccak256(key, preimage)` → 65 bytes r ‖ s ‖ v. */
export function signRecoverableKeccak256(k256Scalar: Uint8Array, preimage: Uint8Array): Uint8Array {
  assertK256Scalar(k256Scalar)
  // noble's 'recovered' format is v ‖ r ‖ s; dstack's wire order is r ‖ s ‖ v.
  const rec = secp256k1.sign(keccak_256(preimage), k256Scalar, {
    lowS: true,
    prehash: false,
    extraEntropy: false,
    format: 'recovered',
  })
  return concatBytes(rec.subarray(1), rec.subarray(0, 1))
}

/**
 * Recover the signer of a 65-byte r ‖ s ‖ v signature over keccak256(preimage) → 33-byte compressed
 * pubkey. High-S and bad recovery ids are refused, as k256's `recover_from_prehash` does.
 */
export function recoverKeccak256Signer(signature: Uint8Array, preimage: Uint8Array): Uint8Array {
  if (!(signature instanceof Uint8Array) || signature.length !== 65)
    throw new KmsCryptoError('KMS_CRYPTO_BAD_SIGNATURE', 'recoverable signature must be 65 bytes r‖s‖v')
  const v = signature[64] as number
  if (v > 3) throw new KmsCryptoError('KMS_CRYPTO_BAD_SIGNATURE', `recovery id must be 0..3, got ${v}`)
  try {
    const sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact')
    if (sig.hasHighS()) throw new Error('high-S signature')
    return sig.addRecoveryBit(v).recoverPublicKey(keccak_256(preimage)).toBytes(true)
  } catch (e) {
    throw new KmsCryptoError(
      'KMS_CRYPTO_BAD_SIGNATURE',
      `signature does not recover to a public key: ${(e as Error).message}`,
    )
  }
}

/** Preimage of `sign_message`: prefix ‖ ":" ‖ app_id ‖ msg. */
export const messagePreimage = (prefix: Bytesish, appId: Uint8Array, msg: Uint8Array): Uint8Array =>
  concatBytes(asBytes(prefix), utf8ToBytes(':'), appId, msg)

/** Preimage of `sign_message_with_timestamp`: prefix ‖ ":" ‖ app_id ‖ u64_be(timestamp) ‖ msg. */
export const timestampedMessagePreimage = (
  prefix: Bytesish,
  appId: Uint8Array,
  timestamp: bigint | number,
  msg: Uint8Array,
): Uint8Array => concatBytes(asBytes(prefix), utf8ToBytes(':'), appId, u64be(timestamp), msg)

/** `sign_message(key, prefix, app_id, msg)` = sign_recoverable(keccak256(prefix ‖ ":" ‖ app_id ‖ msg)). */
export function signMessage(k256Scalar: Uint8Array, prefix: Bytesish, appId: Uint8Array, msg: Uint8Array): Uint8Array {
  return signRecoverableKeccak256(k256Scalar, messagePreimage(prefix, appId, msg))
}

/** `sign_message_with_timestamp`: as signMessage, with u64_be(timestamp) between app_id and msg. */
export function signMessageWithTimestamp(
  k256Scalar: Uint8Array,
  prefix: Bytesish,
  appId: Uint8Array,
  timestamp: bigint | number,
  msg: Uint8Array,
): Uint8Array {
  return signRecoverableKeccak256(k256Scalar, timestampedMessagePreimage(prefix, appId, timestamp, msg))
}

/** Compressed pubkey that produced `signature` = signMessage(·, prefix, appId, msg). */
export function recoverMessageSigner(
  signature: Uint8Array,
  prefix: Bytesish,
  appId: Uint8Array,
  msg: Uint8Array,
): Uint8Array {
  return recoverKeccak256Signer(signature, messagePreimage(prefix, appId, msg))
}

/** Compressed pubkey that produced `signature` = signMessageWithTimestamp(·, prefix, appId, timestamp, msg). */
export function recoverMessageSignerWithTimestamp(
  signature: Uint8Array,
  prefix: Bytesish,
  appId: Uint8Array,
  timestamp: bigint | number,
  msg: Uint8Array,
): Uint8Array {
  return recoverKeccak256Signer(signature, timestampedMessagePreimage(prefix, appId, timestamp, msg))
}
