import { verify as nodeVerify } from 'node:crypto'
import type { CertInfo } from './certs.js'
import { bitStringOf, children, expectTag, oidOf, readTop, serialHexOf, TAG, type Tlv, timeOf, whole } from './der.js'
import { DcapError } from './errors.js'

const ECDSA_SHA256 = '1.2.840.10045.4.3.2'

/** A CRL whose signature was checked against its issuer; the time window is checked per call. */
export interface CrlInfo {
  what: string
  /** DER Name as hex */
  issuer: string
  /** unix seconds */
  thisUpdate: number
  nextUpdate: number
  /** normalised serials (lower-case hex, no leading zeros) */
  revoked: Set<string>
  tbs: Uint8Array
  /** DER ECDSA-Sig-Value */
  signature: Uint8Array
}

/** RFC 5280 §5.1 CertificateList, strictly. */
function walk(der: Uint8Array): Omit<CrlInfo, 'what'> {
  const top = children(der, expectTag(readTop(der), TAG.SEQUENCE, 'CertificateList'))
  if (top.length !== 3) throw new Error('CertificateList must have 3 fields')
  const tbsTlv = expectTag(top[0], TAG.SEQUENCE, 'tbsCertList')
  const algOid = (t: Tlv | undefined) =>
    oidOf(der, expectTag(children(der, expectTag(t, TAG.SEQUENCE, 'AlgorithmIdentifier'))[0], TAG.OID, 'algorithm'))
  const tbs = children(der, tbsTlv)
  let i = tbs[0]?.tag === TAG.INTEGER ? 1 : 0
  const algs = [algOid(top[1]), algOid(tbs[i++])]
  if (algs.some((a) => a !== ECDSA_SHA256))
    throw new Error(`CRL signature algorithm ${algs.join('/')} is not ecdsa-with-SHA256`)
  const issuer = expectTag(tbs[i++], TAG.SEQUENCE, 'issuer')
  const thisUpdate = timeOf(der, tbs[i++] as Tlv)
  const nt = tbs[i]
  if (!nt || (nt.tag !== TAG.UTC_TIME && nt.tag !== TAG.GENERALIZED_TIME)) throw new Error('CRL has no nextUpdate')
  const nextUpdate = timeOf(der, nt)
  i++
  const revoked = new Set<string>()
  if (tbs[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(der, tbs[i] as Tlv))
      revoked.add(serialHexOf(der, children(der, expectTag(entry, TAG.SEQUENCE, 'revoked entry'))[0] as Tlv))
    i++
  }
  if (tbs[i]?.tag === 0xa0) i++
  if (i !== tbs.length) throw new Error('unexpected fields in tbsCertList')
  return {
    issuer: Buffer.from(whole(der, issuer)).toString('hex'),
    thisUpdate,
    nextUpdate,
    revoked,
    tbs: whole(der, tbsTlv),
    signature: bitStringOf(der, top[2] as Tlv),
  }
}

/**
 * Parse a DER CRL and verify its signature with `issuer`. Parse errors are failures, never ignored.
 * @throws DcapError DCAP_CRL_INVALID naming `what`
 */
export function parseCrl(der: Uint8Array, issuer: CertInfo, what: string): CrlInfo {
  let info: CrlInfo
  try {
    info = { what, ...walk(der) }
  } catch (e) {
    throw new DcapError(
      'DCAP_CRL_INVALID',
      `${what} does not parse as a DER CRL: ${(e as Error).message}`,
      { what },
      { cause: e },
    )
  }
  checkCrlIssuer(info, issuer)
  return info
}

/** Check that `issuer` issued this CRL (name + signature). @throws DcapError DCAP_CRL_INVALID */
export function checkCrlIssuer(crl: CrlInfo, issuer: CertInfo): void {
  if (crl.issuer !== issuer.subject)
    throw new DcapError('DCAP_CRL_INVALID', `${crl.what} is not issued by ${issuer.what} "${issuer.subjectText}"`, {
      what: crl.what,
    })
  let ok = false
  try {
    ok = nodeVerify('sha256', crl.tbs, issuer.key, crl.signature)
  } catch {
    ok = false
  }
  if (!ok)
    throw new DcapError('DCAP_CRL_INVALID', `${crl.what}: signature does not verify with the key of ${issuer.what}`, {
      what: crl.what,
    })
}

/** @throws DcapError DCAP_EXPIRED when `now` is outside [thisUpdate, nextUpdate] */
export function checkCrlTime(crl: CrlInfo, now: number): void {
  if (now < crl.thisUpdate || now > crl.nextUpdate)
    throw new DcapError(
      'DCAP_EXPIRED',
      `${crl.what} is not current at ${new Date(now * 1000).toISOString()} (${new Date(crl.thisUpdate * 1000).toISOString()} → ${new Date(crl.nextUpdate * 1000).toISOString()}); fetch fresh collateral`,
      { what: crl.what, now },
    )
}
