import 'reflect-metadata'
import { verify as nodeVerify } from 'node:crypto'
import { X509Crl } from '@peculiar/x509'
import * as asn1js from 'asn1js'
import { type CertInfo, normSerial } from './certs.js'
import { DcapError } from './errors.js'

const ECDSA_SHA256 = '1.2.840.10045.4.3.2'

/** A verified CRL: signature checked against its issuer; time window checked per call. */
export interface CrlInfo {
  what: string
  issuer: string
  /** unix seconds */
  thisUpdate: number
  nextUpdate: number
  /** normalised serials (see normSerial) */
  revoked: Set<string>
  tbs: Uint8Array
  signature: Uint8Array
}

/**
 * Parse a DER CRL and verify its signature with `issuer`. Parse errors are failures, never ignored.
 * @throws DcapError DCAP_CRL_INVALID naming `what`
 */
export function parseCrl(der: Uint8Array, issuer: CertInfo, what: string): CrlInfo {
  let crl: X509Crl
  let info: CrlInfo
  try {
    crl = new X509Crl(der)
    const next = crl.nextUpdate
    if (next === undefined) throw new Error('CRL has no nextUpdate')
    const { tbs, algs } = rawParts(der)
    if (algs.some((a) => a !== ECDSA_SHA256))
      throw new Error(`CRL signature algorithm ${algs.join('/')} is not ecdsa-with-SHA256`)
    info = {
      what,
      issuer: crl.issuerName.toString(),
      thisUpdate: Math.floor(crl.thisUpdate.getTime() / 1000),
      nextUpdate: Math.floor(next.getTime() / 1000),
      revoked: new Set(crl.entries.map((e) => normSerial(e.serialNumber))),
      tbs,
      signature: new Uint8Array(crl.signature),
    }
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
    throw new DcapError(
      'DCAP_CRL_INVALID',
      `${crl.what} is issued by "${crl.issuer}", not by ${issuer.what} "${issuer.subject}"`,
      {
        what: crl.what,
      },
    )
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

/** The exact tbsCertList bytes and both signature algorithm OIDs (outer, inner). */
function rawParts(der: Uint8Array): { tbs: Uint8Array; algs: string[] } {
  const top = asn1js.fromBER(der)
  if (top.offset !== der.length || !(top.result instanceof asn1js.Sequence))
    throw new Error('not a single DER SEQUENCE')
  const [tbs, alg] = top.result.valueBlock.value
  if (!(tbs instanceof asn1js.Sequence) || !(alg instanceof asn1js.Sequence)) throw new Error('bad CertificateList')
  const inner = tbs.valueBlock.value.find((v) => v instanceof asn1js.Sequence)
  const oid = (s: asn1js.AsnType | undefined) => {
    const o = s instanceof asn1js.Sequence ? s.valueBlock.value[0] : undefined
    return o instanceof asn1js.ObjectIdentifier ? o.valueBlock.toString() : '?'
  }
  return { tbs: new Uint8Array(tbs.valueBeforeDecodeView), algs: [oid(alg), oid(inner)] }
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
