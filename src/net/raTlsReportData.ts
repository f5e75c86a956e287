import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '../crypto/index.js'

const TAG = utf8ToBytes('ratls-cert:')

/**
 * The 64-byte report_data an RA-TLS certificate's attestation must commit to:
 * `sha512("ratls-cert:" ‖ SPKI DER)` (dstack `QuoteContentType::RaTlsCert`, dstack-kms.md §6.2).
 */
export function raTlsReportData(spkiDer: Uint8Array): Uint8Array {
  return sha512(concatBytes(TAG, spkiDer))
}
