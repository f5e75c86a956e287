import {
  type CertExtension,
  der,
  type ParsedCertificate,
  parseCertificate,
  type DerTlv as Tlv,
} from '../crypto/index.js'

const { bitStringOf, children, DerError, expectTag, oidOf, readTop, smallIntOf, TAG, timeOf, whole } = der

import { NetError } from './errors.js'
import { decodeRaTlsExtensionValue } from './raTlsExtension.js'
import { decompressLegacyEventLog } from './raTlsLegacy.js'
import { RATLS_OID } from './raTlsOids.js'

export interface RaTlsCertificateInfo {
  /** the certificate, DER */
  der: Uint8Array
  /**
   * Every field of the certificate (subject, issuer, serial, CA flag, …), parsed with a generic X.509 library
   * on first access only: the connection path needs none of it. Throws NET_BAD_CERT if that parse fails.
   */
  readonly cert: ParsedCertificate
  /** SPKI DER of the certificate key */
  spki: Uint8Array
  /** validity, unix seconds */
  notBefore: number
  notAfter: number
  /** all extensions in certificate order (a repeated RA-TLS extension is refused when read) */
  extensions: CertExtension[]
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

interface CertFields {
  spki: Uint8Array
  notBefore: number
  notAfter: number
  extensions: CertExtension[]
}

const CTX_0 = 0xa0 // [0] EXPLICIT version
const ISSUER_UID = [0x81, 0xa1] // [1] IMPLICIT issuerUniqueID
const SUBJECT_UID = [0x82, 0xa2] // [2] IMPLICIT subjectUniqueID
const CTX_3 = 0xa3 // [3] EXPLICIT extensions

function extensionOf(b: Uint8Array, t: Tlv): CertExtension {
  expectTag(t, TAG.SEQUENCE, 'Extension')
  const f = children(b, t)
  const oid = oidOf(b, expectTag(f[0], TAG.OID, 'extnID'))
  let i = 1
  let critical = false
  if (f[i]?.tag === TAG.BOOLEAN) {
    const c = f[i] as Tlv
    if (c.end - c.body !== 1) throw new DerError('critical: BOOLEAN of length ≠ 1')
    critical = b[c.body] !== 0
    i++
  }
  const value = expectTag(f[i], TAG.OCTET_STRING, 'extnValue')
  if (i + 1 !== f.length) throw new DerError('Extension: unexpected fields')
  return { oid, critical, value: b.slice(value.body, value.end) }
}

/**
 * Walk Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1) with the
 * strict DER reader, checking the shape of every TBSCertificate field and reading the few the RA-TLS checks use.
 */
function readCertFields(b: Uint8Array): CertFields {
  const top = expectTag(readTop(b), TAG.SEQUENCE, 'Certificate')
  const [tbs, sigAlg, sig, ...more] = children(b, top)
  if (more.length > 0) throw new DerError('Certificate: unexpected fields')
  expectTag(tbs, TAG.SEQUENCE, 'tbsCertificate')
  expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm')
  bitStringOf(b, expectTag(sig, TAG.BIT_STRING, 'signatureValue'))
  const f = children(b, tbs as Tlv)
  let i = 0
  if (f[0]?.tag === CTX_0) {
    const v = children(b, f[0])
    if (v.length !== 1 || smallIntOf(b, expectTag(v[0], TAG.INTEGER, 'version')) > 2)
      throw new DerError('unsupported certificate version')
    i++
  }
  expectTag(f[i++], TAG.INTEGER, 'serialNumber')
  expectTag(f[i++], TAG.SEQUENCE, 'signature')
  expectTag(f[i++], TAG.SEQUENCE, 'issuer')
  const validity = children(b, expectTag(f[i++], TAG.SEQUENCE, 'validity'))
  if (validity.length !== 2) throw new DerError('validity: expected notBefore and notAfter')
  const notBefore = timeOf(b, validity[0] as Tlv)
  const notAfter = timeOf(b, validity[1] as Tlv)
  expectTag(f[i++], TAG.SEQUENCE, 'subject')
  const spkiTlv = expectTag(f[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo')
  const spkiFields = children(b, spkiTlv)
  if (spkiFields.length !== 2) throw new DerError('subjectPublicKeyInfo: expected algorithm and subjectPublicKey')
  expectTag(spkiFields[0], TAG.SEQUENCE, 'algorithm')
  expectTag(spkiFields[1], TAG.BIT_STRING, 'subjectPublicKey')
  if (f[i] && ISSUER_UID.includes(f[i]!.tag)) i++
  if (f[i] && SUBJECT_UID.includes(f[i]!.tag)) i++
  const extensions: CertExtension[] = []
  if (f[i]?.tag === CTX_3) {
    const wrapped = children(b, f[i++]!)
    if (wrapped.length !== 1) throw new DerError('extensions: expected one SEQUENCE')
    for (const e of children(b, expectTag(wrapped[0], TAG.SEQUENCE, 'Extensions'))) extensions.push(extensionOf(b, e))
  }
  if (i !== f.length) throw new DerError('tbsCertificate: unexpected fields')
  return { spki: whole(b, spkiTlv).slice(), notBefore, notAfter, extensions }
}

/** extnValue content of each extension, and the OIDs that appear more than once. */
function indexExtensions(extensions: CertExtension[]): { byOid: Map<string, Uint8Array>; repeated: Set<string> } {
  const byOid = new Map<string, Uint8Array>()
  const repeated = new Set<string>()
  for (const e of extensions) {
    if (byOid.has(e.oid)) repeated.add(e.oid)
    else byOid.set(e.oid, e.value)
  }
  return { byOid, repeated }
}

/**
 * Read the dstack RA-TLS extensions of a DER certificate without verifying anything: one pass of a strict DER
 * walk (microseconds), so a server reads each new peer certificate once per connection.
 * Readers take .1.8 first and fall back to the legacy .1.1 + .1.2 pair (dstack-kms.md §6.1).
 */
export function readRaTlsCertificate(der: Uint8Array): RaTlsCertificateInfo {
  let fields: CertFields
  try {
    fields = readCertFields(der)
  } catch (cause) {
    throw new NetError('NET_BAD_CERT', 'the peer certificate is not a DER X.509 certificate', {}, { cause })
  }
  const { byOid, repeated } = indexExtensions(fields.extensions)
  const ext = (oid: string): Uint8Array | undefined => {
    if (repeated.has(oid)) {
      const cause = new TypeError(`certificate has extension ${oid} more than once`)
      throw new NetError('NET_BAD_CERT', `the certificate repeats RA-TLS extension ${oid}`, { oid }, { cause })
    }
    const raw = byOid.get(oid)
    if (raw === undefined) return undefined
    const content = decodeRaTlsExtensionValue(raw)
    if (!content) throw new NetError('NET_BAD_CERT', `RA-TLS extension ${oid} is not a DER OCTET STRING`, { oid })
    return content
  }
  let parsed: ParsedCertificate | undefined
  const info = { der, ...fields } as RaTlsCertificateInfo
  Object.defineProperty(info, 'cert', {
    enumerable: false,
    get(): ParsedCertificate {
      if (!parsed) {
        try {
          parsed = parseCertificate(der)
        } catch (cause) {
          throw new NetError('NET_BAD_CERT', 'the peer certificate is not a DER X.509 certificate', {}, { cause })
        }
      }
      return parsed
    },
  })
  const attestation = ext(RATLS_OID.attestation)
  if (attestation) info.attestation = attestation
  else {
    const quote = ext(RATLS_OID.tdxQuote)
    const eventLog = ext(RATLS_OID.eventLog)
    if (quote) info.legacy = { quote, eventLog: decompressLegacyEventLog(eventLog ?? new TextEncoder().encode('[]')) }
  }
  const usage = ext(RATLS_OID.certUsage)
  if (usage) {
    try {
      info.usage = new TextDecoder('utf-8', { fatal: true }).decode(usage)
    } catch (cause) {
      throw new NetError('NET_BAD_CERT', 'the RA-TLS usage extension is not UTF-8', {}, { cause })
    }
  }
  const appId = ext(RATLS_OID.appId)
  if (appId) info.appId = appId
  const appInfo = ext(RATLS_OID.appInfo)
  if (appInfo) info.appInfo = appInfo
  return info
}
