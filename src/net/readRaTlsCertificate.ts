import { getCertExtension, type ParsedCertificate, parseCertificate } from '../crypto/index.js'
import { NetError } from './errors.js'
import { decodeRaTlsExtensionValue } from './raTlsExtension.js'
import { decompressLegacyEventLog } from './raTlsLegacy.js'
import { RATLS_OID } from './raTlsOids.js'

export interface RaTlsCertificateInfo {
  cert: ParsedCertificate
  /** SPKI DER of the certificate key */
  spki: Uint8Array
  /** encoded VersionedAttestation from ext .1.8 */
  attestation?: Uint8Array
  /** dstack legacy form (.1.1 quote + .1.2 event log JSON, decompressed); only set when .1.8 is absent */
  legacy?: { quote: Uint8Array; eventLog: Uint8Array }
  /** ext .1.4 */
  usage?: string
  /** ext .1.3 (issuer-asserted, informational) */
  appId?: Uint8Array
  /** ext .1.9 raw msgpack AppInfo (informational, not decoded) */
  appInfo?: Uint8Array
}

function ext(cert: ParsedCertificate, oid: string): Uint8Array | undefined {
  let raw: Uint8Array | undefined
  try {
    raw = getCertExtension(cert, oid)
  } catch (cause) {
    throw new NetError('NET_BAD_CERT', `the certificate repeats RA-TLS extension ${oid}`, { oid }, { cause })
  }
  if (raw === undefined) return undefined
  const content = decodeRaTlsExtensionValue(raw)
  if (!content) throw new NetError('NET_BAD_CERT', `RA-TLS extension ${oid} is not a DER OCTET STRING`, { oid })
  return content
}

/**
 * Read the dstack RA-TLS extensions of a DER certificate without verifying anything.
 * Readers take .1.8 first and fall back to the legacy .1.1 + .1.2 pair (dstack-kms.md §6.1).
 */
export function readRaTlsCertificate(der: Uint8Array): RaTlsCertificateInfo {
  let cert: ParsedCertificate
  try {
    cert = parseCertificate(der)
  } catch (cause) {
    throw new NetError('NET_BAD_CERT', 'the peer certificate is not a DER X.509 certificate', {}, { cause })
  }
  const info: RaTlsCertificateInfo = { cert, spki: cert.spki }
  const attestation = ext(cert, RATLS_OID.attestation)
  if (attestation) info.attestation = attestation
  else {
    const quote = ext(cert, RATLS_OID.tdxQuote)
    const eventLog = ext(cert, RATLS_OID.eventLog)
    if (quote) info.legacy = { quote, eventLog: decompressLegacyEventLog(eventLog ?? new TextEncoder().encode('[]')) }
  }
  const usage = ext(cert, RATLS_OID.certUsage)
  if (usage) {
    try {
      info.usage = new TextDecoder('utf-8', { fatal: true }).decode(usage)
    } catch (cause) {
      throw new NetError('NET_BAD_CERT', 'the RA-TLS usage extension is not UTF-8', {}, { cause })
    }
  }
  const appId = ext(cert, RATLS_OID.appId)
  if (appId) info.appId = appId
  const appInfo = ext(cert, RATLS_OID.appInfo)
  if (appInfo) info.appInfo = appInfo
  return info
}
