import { SignerServiceError } from './errors.js'

const PUBKEY_RE = /^(0x)?[0-9a-fA-F]{96}$/

/** Normalise a BLS public key given as (0x-)hex of 48 bytes to lowercase hex without 0x; SIGNER_BAD_PUBKEY otherwise. */
export function pubkeyHex(input: unknown): string {
  if (typeof input !== 'string' || !PUBKEY_RE.test(input)) {
    throw new SignerServiceError('SIGNER_BAD_PUBKEY', 'public key must be 0x-prefixed hex of 48 bytes')
  }
  return (input.startsWith('0x') ? input.slice(2) : input).toLowerCase()
}
