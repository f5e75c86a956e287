import { createHash } from 'node:crypto'
import { utf8ToBytes } from '../crypto/index.js'

const TAG = utf8ToBytes('ratls-cert:')

/**
 * The 64-byte report_data an RA-TLS certificate's attestation must commit to:
 * `sha512("ratls-cert:" ‖ SPKI DER)` (dstack `QuoteContentType::RaTlsCert`, dstack-kms.md §6.2). OpenSSL: this runs
 * once per new peer certificate.
 */
export function raTlsReportData(spkiDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(TAG).update(spkiDer).digest())
}
