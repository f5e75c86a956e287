/**
 * Verify a committee signature with noble's FROST `verify` for the scheme. `publicKey` as `signingPublicKey`
 * returns it (Ed25519 32 bytes, Secp256k1Frost 33-byte compressed, Bip340 32-byte x-only or 33 compressed).
 * Ed25519 and Bip340 signatures are also plain RFC 8032 / BIP-340 signatures (`ed25519.verify`,
 * `schnorr.verify` accept them). Never throws: malformed input is `false`.
 */

import { suiteFor } from '../suites.js'
import type { SchemeId } from '../types.js'

export function verifySignature(
  scheme: SchemeId,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const suite = suiteFor(scheme)
  if (!(signature instanceof Uint8Array) || signature.length !== suite.signatureLength) return false
  try {
    return suite.frost.verify(signature, message, publicKey)
  } catch {
    return false
  }
}
