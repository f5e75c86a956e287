import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '../../crypto/index.js'

const TAG = utf8ToBytes('custos-bls-key:')

/**
 * The 64-byte report_data a validator key's attestation commits to: `sha512("custos-bls-key:" ‖ pubkey)`, with
 * the 48-byte compressed BLS public key. Anyone holding the public key recomputes it and compares it with the
 * quote's report_data (the tag keeps it apart from RA-TLS and KMS bindings; Puffer's secure-signer puts the raw
 * zero-padded pubkey there instead).
 */
export function blsKeyReportData(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 48) throw new RangeError('a compressed BLS public key is 48 bytes')
  return sha512(concatBytes(TAG, publicKey))
}
