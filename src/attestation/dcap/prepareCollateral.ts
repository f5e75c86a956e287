import { createHash, type KeyObject, verify as nodeVerify } from 'node:crypto'
import { type CertInfo, checkCertTime, checkChainStructure, parseCert } from './certs.js'
import { type Collateral, collateralBytes, parseCollateral, pemChainToDer } from './collateral.js'
import { type CrlInfo, checkCrlTime, parseCrl } from './crl.js'
import { DcapError } from './errors.js'
import { INTEL_SGX_ROOT_CA_DER_BASE64, INTEL_SGX_ROOT_CA_SHA256 } from './intelRootCa.js'
import type { PckChain } from './pckChain.js'
import { parseQeIdentity, type QeIdentity } from './qeIdentity.js'
import { parseTcbInfo, type TcbInfo } from './tcbInfo.js'

/** Collateral verified once (signatures, chains, CRLs) and parsed; reuse it for every quote until it expires. */
export interface PreparedCollateral {
  root: CertInfo
  rootCrl: CrlInfo
  pckCrl: CrlInfo
  /** the CA that signed `pckCrl` */
  pckCrlIssuer: CertInfo
  tcbInfo: TcbInfo
  qeIdentity: QeIdentity
  /** optional collateral-supplied PCK chain (leaf first), for quotes without certification data type 5 */
  pckChainDer: Uint8Array[] | undefined
  /** unix seconds: every certificate, CRL and signed document of the collateral is valid in [validFrom, validUntil] */
  validFrom: number
  validUntil: number
  /** per-collateral caches (PCK chains by hash of their bytes, attestation keys) */
  cache: { pckChains: Map<string, PckChain>; attKeys: Map<string, KeyObject> }
  /** re-runs the detailed time checks (to name what expired) */
  checkTime(now: number): void
}

const INTEL_ROOT_DER = new Uint8Array(Buffer.from(INTEL_SGX_ROOT_CA_DER_BASE64, 'base64'))

/** The Intel SGX Root CA, DER (fingerprint-checked). */
export function intelSgxRootCaDer(): Uint8Array {
  return INTEL_ROOT_DER.slice()
}

function loadRoot(der: Uint8Array | undefined): CertInfo {
  const root = parseCert(der ?? INTEL_ROOT_DER, 'trusted root CA')
  if (der === undefined && root.sha256 !== INTEL_SGX_ROOT_CA_SHA256)
    throw new DcapError('DCAP_UNTRUSTED_ROOT', 'embedded Intel SGX Root CA does not match its pinned fingerprint', {
      what: 'trusted root CA',
    })
  if (!root.selfIssued || !root.isCa || !root.node.verify(root.key))
    throw new DcapError('DCAP_UNTRUSTED_ROOT', 'trusted root CA is not a self-signed CA certificate', {
      what: 'trusted root CA',
    })
  return root
}

function signerChain(pem: string, what: string, root: CertInfo, leafIsCa: boolean): CertInfo[] {
  const certs = pemChainToDer(pem, what).map((d, i) => parseCert(d, `${what} certificate ${i}`))
  return checkChainStructure(certs, root, what, leafIsCa)
}

function checkNotRevoked(c: CertInfo, crl: CrlInfo): void {
  if (c.issuer === crl.issuer && crl.revoked.has(c.serial))
    throw new DcapError('DCAP_CERT_REVOKED', `${c.what} (serial ${c.serial}) is revoked by ${crl.what}`, {
      what: c.what,
    })
}

function checkDocSignature(
  json: string,
  sigIn: Collateral['tcb_info_signature'],
  signer: CertInfo,
  what: string,
): void {
  const code = what === 'tcb_info' ? 'DCAP_TCB_INFO_SIGNATURE' : 'DCAP_QE_IDENTITY_SIGNATURE'
  let ok = false
  try {
    const sig = collateralBytes(sigIn, `${what}_signature`)
    ok =
      sig.length === 64 &&
      nodeVerify('sha256', Buffer.from(json, 'utf8'), { key: signer.key, dsaEncoding: 'ieee-p1363' }, sig)
  } catch {
    ok = false
  }
  if (!ok)
    throw new DcapError(
      code,
      `${what} signature does not verify over the exact signed JSON bytes with ${signer.what}`,
      { what },
    )
}

function checkDocTime(what: string, issue: number, next: number, now: number): void {
  if (now < issue || now > next)
    throw new DcapError(
      'DCAP_EXPIRED',
      `${what} is not current at ${new Date(now * 1000).toISOString()} (issued ${new Date(issue * 1000).toISOString()}, next update ${new Date(next * 1000).toISOString()}); fetch fresh collateral`,
      { what, now },
    )
}

/**
 * Verify and parse collateral once: trusted root (Intel root pinned by SHA-256 unless `trustedRootDer` is
 * given), root CA CRL and PCK CRL (signature, issuer; parse errors are failures), TCB Info and QE Identity
 * issuer chains and their signatures over the exact JSON bytes, then every validity window at `now`.
 * The result is reusable across quotes (`verifyQuote` re-checks `now` against its window).
 * @throws DcapError
 */
export function prepareCollateral(
  collateral: unknown,
  trustedRootDer: Uint8Array | undefined,
  now: number,
): PreparedCollateral {
  const col = parseCollateral(collateral)
  const root = loadRoot(trustedRootDer)
  // Chains first (so a foreign root is named as such), then CRLs, then revocation and signatures.
  const pckCrlChain = signerChain(col.pck_crl_issuer_chain, 'pck_crl_issuer_chain', root, true)
  const tcbChain = signerChain(col.tcb_info_issuer_chain, 'tcb_info_issuer_chain', root, false)
  const qeChain = signerChain(col.qe_identity_issuer_chain, 'qe_identity_issuer_chain', root, false)
  const rootCrl = parseCrl(collateralBytes(col.root_ca_crl, 'root_ca_crl'), root, 'root CA CRL')
  checkNotRevoked(root, rootCrl)
  for (const c of [...pckCrlChain, ...tcbChain, ...qeChain]) checkNotRevoked(c, rootCrl)
  const pckCrlIssuer = pckCrlChain[0] as CertInfo
  const tcbSigner = tcbChain[0] as CertInfo
  const qeSigner = qeChain[0] as CertInfo
  const pckCrl = parseCrl(collateralBytes(col.pck_crl, 'pck_crl'), pckCrlIssuer, 'PCK CRL')

  checkDocSignature(col.tcb_info, col.tcb_info_signature, tcbSigner, 'tcb_info')
  const tcbInfo = parseTcbInfo(col.tcb_info)
  checkDocSignature(col.qe_identity, col.qe_identity_signature, qeSigner, 'qe_identity')
  const qeIdentity = parseQeIdentity(col.qe_identity)
  const pckChainDer = col.pck_certificate_chain
    ? pemChainToDer(col.pck_certificate_chain, 'pck_certificate_chain')
    : undefined

  const certs = [root, pckCrlIssuer, tcbSigner, qeSigner]
  const crls = [rootCrl, pckCrl]
  const checkTime = (t: number) => {
    for (const c of certs) checkCertTime(c, t)
    for (const c of crls) checkCrlTime(c, t)
    checkDocTime('tcb_info', tcbInfo.issueDate, tcbInfo.nextUpdate, t)
    checkDocTime('qe_identity', qeIdentity.issueDate, qeIdentity.nextUpdate, t)
  }
  checkTime(now)
  return {
    root,
    rootCrl,
    pckCrl,
    pckCrlIssuer,
    tcbInfo,
    qeIdentity,
    pckChainDer,
    validFrom: Math.max(
      ...certs.map((c) => c.notBefore),
      ...crls.map((c) => c.thisUpdate),
      tcbInfo.issueDate,
      qeIdentity.issueDate,
    ),
    validUntil: Math.min(
      ...certs.map((c) => c.notAfter),
      ...crls.map((c) => c.nextUpdate),
      tcbInfo.nextUpdate,
      qeIdentity.nextUpdate,
    ),
    cache: { pckChains: new Map(), attKeys: new Map() },
    checkTime,
  }
}

/** sha256 hex of some bytes (cache keys). */
export function cacheKey(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex')
}
