import { createHash, type KeyObject, X509Certificate as NodeX509 } from 'node:crypto'
import { derToPem } from '../../crypto/index.js'
import { children, DerError, expectTag, oidOf, readTop, serialHexOf, TAG, type Tlv, timeOf, whole } from './der.js'
import { DcapError } from './errors.js'

/** A parsed certificate: node:crypto for the key and signature check, a strict DER walk for names/extensions. */
export interface CertInfo {
  what: string
  der: Uint8Array
  node: NodeX509
  key: KeyObject
  /** DER Name as hex (exact-byte comparison with issuers and CRL issuers) */
  subject: string
  issuer: string
  /** readable subject for messages */
  subjectText: string
  /** lower-case hex, no leading zeros */
  serial: string
  /** unix seconds */
  notBefore: number
  notAfter: number
  isCa: boolean
  selfIssued: boolean
  /** extension OID → extnValue content (the DER inside the OCTET STRING) */
  extensions: Map<string, Uint8Array>
  sha256: string
}

/** Normalise a hex serial number (strip leading zeros, lower-case) so CRL entries and certs compare. */
export function normSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/^0+/, '')
  return s === '' ? '0' : s
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** tbsCertificate fields (RFC 5280 §4.1). */
function walk(der: Uint8Array) {
  const top = children(der, expectTag(readTop(der), TAG.SEQUENCE, 'Certificate'))
  const tbs = children(der, expectTag(top[0], TAG.SEQUENCE, 'tbsCertificate'))
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0
  const serial = serialHexOf(der, expectTag(tbs[i++], TAG.INTEGER, 'serialNumber'))
  i++ // signature AlgorithmIdentifier
  const issuer = expectTag(tbs[i++], TAG.SEQUENCE, 'issuer')
  const validity = children(der, expectTag(tbs[i++], TAG.SEQUENCE, 'validity'))
  const subject = expectTag(tbs[i++], TAG.SEQUENCE, 'subject')
  const extensions = new Map<string, Uint8Array>()
  let isCa = false
  for (const t of tbs.slice(i + 1)) {
    if (t.tag !== 0xa3) continue
    for (const ext of children(der, expectTag(children(der, t)[0], TAG.SEQUENCE, 'extensions'))) {
      const f = children(der, ext)
      const id = oidOf(der, expectTag(f[0], TAG.OID, 'extnID'))
      const value = expectTag(f[f.length - 1], TAG.OCTET_STRING, 'extnValue')
      if (extensions.has(id)) throw new DerError(`duplicate extension ${id}`)
      const v = der.subarray(value.body, value.end)
      extensions.set(id, v)
      if (id === '2.5.29.19') {
        const bc = children(v, readTop(v))
        isCa = bc[0]?.tag === TAG.BOOLEAN && v[bc[0].body] !== 0
      }
    }
  }
  return {
    serial,
    issuer: hex(whole(der, issuer)),
    subject: hex(whole(der, subject)),
    notBefore: timeOf(der, validity[0] as Tlv),
    notAfter: timeOf(der, validity[1] as Tlv),
    extensions,
    isCa,
  }
}

/**
 * node:crypto's certificate of exactly these DER bytes. Given raw bytes, OpenSSL first looks for PEM text
 * *anywhere inside* them, so a certificate that carries another certificate's PEM in an extension (an RA-TLS
 * quote does) would be checked with the embedded one's key and signature while its fields were read from the
 * outer DER. Wrapping the DER as PEM ourselves makes the outer certificate the first PEM block, and the raw
 * bytes are compared to be sure.
 */
export function nodeCertOf(der: Uint8Array): NodeX509 {
  const node = new NodeX509(derToPem(der, 'CERTIFICATE'))
  if (!Buffer.from(node.raw).equals(Buffer.from(der))) throw new DerError('certificate bytes do not round-trip')
  return node
}

/** Parse one DER certificate. @throws DcapError DCAP_CERT_CHAIN naming `what` */
export function parseCert(der: Uint8Array, what: string): CertInfo {
  try {
    const node = nodeCertOf(der)
    const f = walk(der)
    if (f.isCa !== node.ca) throw new DerError('basicConstraints disagree')
    return {
      what,
      der,
      node,
      key: node.publicKey,
      subjectText: node.subject.replace(/\n/g, ', '),
      selfIssued: f.subject === f.issuer,
      sha256: createHash('sha256').update(der).digest('hex'),
      ...f,
    }
  } catch (e) {
    throw new DcapError('DCAP_CERT_CHAIN', `${what} does not parse as an X.509 certificate`, { what }, { cause: e })
  }
}

/** @throws DcapError DCAP_EXPIRED when `now` (unix seconds) is outside the certificate's validity */
export function checkCertTime(c: CertInfo, now: number): void {
  if (now < c.notBefore || now > c.notAfter)
    throw new DcapError(
      'DCAP_EXPIRED',
      `${c.what} is not valid at ${new Date(now * 1000).toISOString()} (valid ${new Date(c.notBefore * 1000).toISOString()} → ${new Date(c.notAfter * 1000).toISOString()}); refresh the collateral or check the clock`,
      { what: c.what, now },
    )
}

/** Verify that `c` names `issuer` as its issuer and carries its signature. @throws DcapError DCAP_CERT_CHAIN */
export function checkIssuedBy(c: CertInfo, issuer: CertInfo): void {
  if (c.issuer !== issuer.subject)
    throw new DcapError('DCAP_CERT_CHAIN', `${c.what} is not issued by ${issuer.what} "${issuer.subjectText}"`, {
      what: c.what,
    })
  if (!issuer.isCa)
    throw new DcapError('DCAP_CERT_CHAIN', `${issuer.what} is not a CA certificate but issues ${c.what}`, {
      what: issuer.what,
    })
  let ok = false
  try {
    ok = c.node.verify(issuer.key)
  } catch {
    ok = false
  }
  if (!ok)
    throw new DcapError('DCAP_CERT_CHAIN', `${c.what}: signature does not verify with the key of ${issuer.what}`, {
      what: c.what,
    })
}

/**
 * Check a leaf-first chain up to `root` (structure + signatures, no time, no revocation — those are
 * per-call). A trailing self-issued certificate must be byte-identical to the trusted root.
 * Returns the chain without the trailing root.
 * @throws DcapError DCAP_UNTRUSTED_ROOT | DCAP_CERT_CHAIN
 */
export function checkChainStructure(chain: CertInfo[], root: CertInfo, what: string, leafIsCa = false): CertInfo[] {
  const certs = [...chain]
  const last = certs[certs.length - 1]
  if (last?.selfIssued) {
    if (last.sha256 !== root.sha256)
      throw new DcapError(
        'DCAP_UNTRUSTED_ROOT',
        `${what} ends in a root certificate that is not the pinned trusted root`,
        {
          what: last.what,
        },
      )
    certs.pop()
  }
  if (certs.length === 0)
    throw new DcapError('DCAP_CERT_CHAIN', `${what} holds no certificate below the root`, { what })
  // The Intel root has pathLenConstraint 1: at most one CA between it and the end entity.
  if (certs.length > 2)
    throw new DcapError('DCAP_CERT_CHAIN', `${what} is too long (${certs.length} certificates below the root)`, {
      what,
    })
  const leaf = certs[0] as CertInfo
  if (leaf.isCa !== leafIsCa)
    throw new DcapError(
      'DCAP_CERT_CHAIN',
      leafIsCa ? `${leaf.what} is not a CA certificate` : `${leaf.what} is a CA certificate used as an end entity`,
      { what: leaf.what },
    )
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i] as CertInfo
    const issuer = certs[i + 1] ?? root
    if (c.selfIssued)
      throw new DcapError('DCAP_UNTRUSTED_ROOT', `${c.what} is self-issued but is not the trusted root`, {
        what: c.what,
      })
    checkIssuedBy(c, issuer)
  }
  return certs
}
