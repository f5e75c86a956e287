/**
 * Guest-agent `GetKey` (dstack-kms.md §7, `guest-agent/src/rpc_service.rs::get_key`), byte-exact:
 * key = HKDF-SHA256(salt "RATLS", ikm = app k256 key, info = path UTF-8, 32) for every algorithm;
 * signature_chain = [app_k256.sign_recoverable(keccak256(purpose ":" hex(pubkey))), k256_signature].
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { utf8ToBytes } from '../bytes.js'
import { toHex } from '../hex.js'
import { KmsCryptoError } from './errors.js'
import { deriveKey } from './kdf.js'
import { PREFIX_KMS_ISSUED } from './labels.js'
import { k256PublicKey, recoverKeccak256Signer, recoverMessageSigner, signRecoverableKeccak256 } from './signMessage.js'

export type GuestKeyAlgorithm = 'secp256k1' | 'ed25519'

/** dstack's `normalize_algorithm` + match: "", "secp256k1", "k256" → secp256k1; "ed25519"; anything else is refused. */
export function normalizeGuestKeyAlgorithm(algorithm: string | undefined): GuestKeyAlgorithm {
  switch (algorithm ?? '') {
    case '':
    case 'secp256k1':
    case 'k256':
      return 'secp256k1'
    case 'ed25519':
      return 'ed25519'
    default:
      throw new KmsCryptoError(
        'KMS_CRYPTO_UNSUPPORTED_ALGORITHM',
        'Unsupported algorithm (use secp256k1, k256 or ed25519)',
      )
  }
}

/** The 32 derived bytes (a secp256k1 scalar or an ed25519 seed; the algorithm does not separate derivations). */
export function deriveGuestKey(appK256Key: Uint8Array, path: string): Uint8Array {
  if (!(appK256Key instanceof Uint8Array) || appK256Key.length !== 32)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_SCALAR', 'app k256 key must be 32 bytes')
  return deriveKey(appK256Key, [utf8ToBytes(path)], 32)
}

/** Public key signed in the chain: 33-byte compressed secp256k1 (scalar must be in range) or 32-byte ed25519. */
export function guestPublicKey(key: Uint8Array, algorithm: string): Uint8Array {
  const alg = normalizeGuestKeyAlgorithm(algorithm)
  if (alg === 'ed25519') {
    if (key.length !== 32) throw new KmsCryptoError('KMS_CRYPTO_INVALID_LENGTH', 'ed25519 seed must be 32 bytes')
    return ed25519.getPublicKey(key)
  }
  return k256PublicKey(key)
}

/** Preimage of signature_chain[0]: UTF-8 of `purpose + ":" + hex(pubkey)`. */
function guestKeyPreimage(purpose: string, pubkey: Uint8Array): Uint8Array {
  if (!(pubkey instanceof Uint8Array) || (pubkey.length !== 32 && pubkey.length !== 33))
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_LENGTH', 'pubkey must be 33 (secp256k1) or 32 (ed25519) bytes')
  return utf8ToBytes(`${purpose}:${toHex(pubkey)}`)
}

/** signature_chain[0] = app_k256.sign_recoverable(keccak256(purpose ":" hex(pubkey))), 65 bytes r‖s‖v. */
export function guestKeySignature(appK256Key: Uint8Array, purpose: string, pubkey: Uint8Array): Uint8Array {
  return signRecoverableKeccak256(appK256Key, guestKeyPreimage(purpose, pubkey))
}

export interface GuestKey {
  key: Uint8Array
  publicKey: Uint8Array
  /** [app signature over the derived pubkey, KMS k256_signature over the app pubkey] */
  signatureChain: [Uint8Array, Uint8Array]
}

/** The whole `GetKey` answer. */
export function getGuestKey(input: {
  appK256Key: Uint8Array
  k256Signature: Uint8Array
  path: string
  purpose: string
  algorithm?: string
}): GuestKey {
  const alg = normalizeGuestKeyAlgorithm(input.algorithm)
  const key = deriveGuestKey(input.appK256Key, input.path)
  const publicKey = guestPublicKey(key, alg)
  return {
    key,
    publicKey,
    signatureChain: [guestKeySignature(input.appK256Key, input.purpose, publicKey), input.k256Signature],
  }
}

/**
 * Walk a GetKey signature chain: chain[0] recovers the app k256 pubkey; chain[1] recovers the KMS root
 * k256 pubkey over keccak256("dstack-kms-issued:" ‖ app_id ‖ app_pubkey). The caller compares `rootPubkey`
 * with the KMS's published k256 pubkey.
 */
export function recoverGuestKeyChain(input: {
  appId: Uint8Array
  purpose: string
  publicKey: Uint8Array
  signatureChain: readonly Uint8Array[]
}): { appPubkey: Uint8Array; rootPubkey: Uint8Array } {
  const [appSig, kmsSig] = input.signatureChain
  if (!appSig || !kmsSig || input.signatureChain.length !== 2)
    throw new KmsCryptoError('KMS_CRYPTO_BAD_SIGNATURE', 'signature chain must have exactly 2 entries')
  const appPubkey = recoverKeccak256Signer(appSig, guestKeyPreimage(input.purpose, input.publicKey))
  const rootPubkey = recoverMessageSigner(kmsSig, PREFIX_KMS_ISSUED, input.appId, appPubkey)
  return { appPubkey, rootPubkey }
}
