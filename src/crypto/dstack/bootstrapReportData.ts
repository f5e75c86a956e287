import { keccak_256 } from '@noble/hashes/sha3.js'
import { padRight, utf8ToBytes } from '../bytes.js'
import { toHex } from '../hex.js'
import { BOOTSTRAP_REPORT_TAG } from './labels.js'

/**
 * report_data of the `Onboard.Bootstrap` attestation (dstack-kms.md §2.2):
 * pad64(keccak256("dstack-kms-genereted-keys-v1:" + hex(ca_pubkey_spki_der) + ";" + hex(k256_compressed) + ";")).
 * The typo "genereted" is part of the format.
 */
export function bootstrapReportData(caPubkeySpkiDer: Uint8Array, k256Compressed: Uint8Array): Uint8Array {
  const text = `${BOOTSTRAP_REPORT_TAG}${toHex(caPubkeySpkiDer)};${toHex(k256Compressed)};`
  return padRight(keccak_256(utf8ToBytes(text)), 64)
}
