import { SignerError } from '../errors.js'
import { SignerServiceError } from './errors.js'

const PUBKEY_RE = /^(0x)?[0-9a-fA-F]{96}$/

/** Normalise a BLS public key given as (0x-)hex of 48 bytes to lowercase hex without 0x; SIGNER_BAD_PUBKEY otherwise. */
export function pubkeyHex(input: unknown): string {
  if (typeof input !== 'string' || !PUBKEY_RE.test(input)) {
    throw new SignerServiceError('SIGNER_BAD_PUBKEY', 'public key must be 0x-prefixed hex of 48 bytes')
  }
  return (input.startsWith('0x') ? input.slice(2) : input).toLowerCase()
}

/**
 * A key identifier from a URL path (`/api/v1/eth2/sign/{identifier}`): as `pubkeyHex`, but anything that is not a
 * 48-byte hex key is SIGNER_UNKNOWN_KEY (404), as Web3Signer answers (it looks the identifier up and finds no
 * signer); bodies keep the Keymanager API's 400 for a malformed key.
 */
export function identifierHex(input: unknown): string {
  if (typeof input !== 'string' || !PUBKEY_RE.test(input)) {
    throw new SignerError('SIGNER_UNKNOWN_KEY', 'no key with this public key is loaded in this signer')
  }
  return pubkeyHex(input)
}
