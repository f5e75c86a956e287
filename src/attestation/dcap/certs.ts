import 'reflect-metadata'
import { createHash, type KeyObject, X509Certificate as NodeX509 } from 'node:crypto'
import { X509Certificate } from '@peculiar/x509'
import { DcapError } from './errors.js'

/** A parsed certificate: node:crypto for keys and signatures (native, fast), @peculiar/x509 for names/extensions. */
export interface CertInfo {
  what: string
  der: Uint8Array
  node: NodeX509
  cert: X509Certificate
  key: KeyObject
  subject: string
  issuer: string
  /** lower-case hex, no leading zeros */
  serial: string
  /** unix seconds */
  notBefore: number
  notAfter: number
  isCa: boolean
  selfIssued: boolean
  sha256: string
}

/** Normalise a hex serial number (strip leading zeros, lower-case) so CRL entries and certs compare. */
export function normSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/^0+/, '')
  return s === '' ? '0' : s
}

/** Parse one DER certificate. @throws DcapError DCAP_CERT_CHAIN naming `what` */
export function parseCert(der: Uint8Array, what: string): CertInfo {
  try {
    const node = new NodeX509(der)
    const cert = new X509Certificate(der)
    const subject = cert.subjectName.toString()
    const issuer = cert.issuerName.toString()
    const notBefore = Math.floor(cert.notBefore.getTime() / 1000)
    const notAfter = Math.floor(cert.notAfter.getTime() / 1000)
    if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) throw new Error('bad validity dates')
    return {
      what,
      der,
      node,
      cert,
      key: node.publicKey,
      subject,
      issuer,
      serial: normSerial(node.serialNumber),
      notBefore,
      notAfter,
      isCa: node.ca,
      selfIssued: subject === issuer,
      sha256: createHash('sha256').update(der).digest('hex'),
    }
  } catch (e) {
    if (e instanceof DcapError) throw e
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
    throw new DcapError(
      'DCAP_CERT_CHAIN',
      `${c.what} is issued by "${c.issuer}", not by ${issuer.what} "${issuer.subject}"`,
      {
        what: c.what,
      },
    )
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
