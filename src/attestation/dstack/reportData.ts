import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '../../crypto/index.js'

/** dstack `QuoteContentType` tags (dstack-kms.md §6.2). */
export type QuoteContentTag = 'ratls-cert' | 'app-data' | 'kms-root-ca' | (string & {})

/** report_data = SHA-512(tag ‖ ":" ‖ content) — exactly 64 bytes (dstack `to_report_data`). */
export function quoteReportData(tag: QuoteContentTag, content: Uint8Array): Uint8Array {
  return sha512(concatBytes(utf8ToBytes(tag), utf8ToBytes(':'), content))
}
