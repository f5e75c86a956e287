import { sha256 } from '@noble/hashes/sha2.js'
import type { SecretBytes } from '../../crypto/index.js'
import { concatBytes, toHex, utf8ToBytes } from '../../crypto/index.js'
import { nodeCertOf } from '../dcap/certs.js'
import type { Collateral } from '../dcap/collateral.js'
import { TCB_STATUSES, type TcbStatus } from '../types.js'
import {
  SGX_EXTENSION_OID,
  SIMULATED_FMSPC,
  SIMULATED_ORG,
  SIMULATED_PCE_ID,
  SIMULATED_PCK_CA_CN,
  SIMULATED_PCK_CN,
  SIMULATED_QE_ATTRIBUTES,
  SIMULATED_QE_ISVPRODID,
  SIMULATED_QE_MRSIGNER,
  SIMULATED_ROOT_CN,
  SIMULATED_TCB_SIGNING_CN,
} from './constants.js'
import { dcapCollateral, dcapKey, issueDcapCertificate, issueDcapCrl } from './dcapPki.js'
import { encodeSgxExtension, type SgxExtension, sgxExtensionOfCertificate } from './sgxExtension.js'

/**
 * The simulated vendor PKI, shaped like Intel's so the DCAP verifier checks it like a real one: a self-signed
 * root CA standing in for the Intel SGX Root CA, a PCK Platform CA, per-machine PCK leaves carrying the Intel SGX
 * extension (PPID, FMSPC, …), a TCB signing certificate, CRLs, and TCB Info / QE Identity per FMSPC.
 * The TCB verdict a machine gets is chosen by its FMSPC: each (status, advisories) has its own FMSPC and its own
 * TCB Info. Keys are 32-byte P-256 scalars supplied by the caller. Every name says SIMULATED/INSECURE.
 */

const DAY_MS = 86_400_000
const name = (cn: string) => `CN=${cn}, O=${SIMULATED_ORG}`

/** A simulated platform's TCB verdict (what its TCB Info level says). */
export interface SimulatedTcb {
  tcbStatus: Exclude<TcbStatus, ''>
  advisoryIds: string[]
}

function serialFor(key: SecretBytes, label: string): string {
  const h = sha256(concatBytes(utf8ToBytes(label), dcapKey(key).spki)).slice(0, 16)
  h[0] = ((h[0] as number) & 0x7f) | 0x01
  return toHex(h)
}

const after = (d: Date, days: number) => new Date(d.getTime() + days * DAY_MS)

export interface CreateSimulatedRootCaInput {
  key: SecretBytes
  notBefore: Date
  /** default 20 years */
  validDays?: number
}

/** Self-signed simulated root CA certificate (DER). CN says SIMULATED/INSECURE. */
export async function createSimulatedRootCa(input: CreateSimulatedRootCaInput): Promise<Uint8Array> {
  return issueDcapCertificate({
    subject: name(SIMULATED_ROOT_CN),
    key: dcapKey(input.key),
    serialNumber: serialFor(input.key, 'root'),
    notBefore: input.notBefore,
    notAfter: after(input.notBefore, input.validDays ?? 7300),
    ca: true,
    pathLength: 1,
  })
}

export interface IssueSimulatedVendorCertInput {
  rootCertDer: Uint8Array
  rootKey: SecretBytes
  /** the new certificate's key */
  key: SecretBytes
  notBefore: Date
  /** default 20 years */
  validDays?: number
}

/** The simulated PCK Platform CA (DER), issued by the root; it issues PCK leaves and the PCK CRL. */
export async function issueSimulatedPckCa(input: IssueSimulatedVendorCertInput): Promise<Uint8Array> {
  return issueDcapCertificate({
    subject: name(SIMULATED_PCK_CA_CN),
    key: dcapKey(input.key),
    issuer: { certDer: input.rootCertDer, key: dcapKey(input.rootKey) },
    serialNumber: serialFor(input.key, 'pck-ca'),
    notBefore: input.notBefore,
    notAfter: after(input.notBefore, input.validDays ?? 7300),
    ca: true,
    pathLength: 0,
  })
}

/** The simulated TCB signing certificate (DER), issued by the root; it signs TCB Info and QE Identity. */
export async function issueSimulatedTcbSigner(input: IssueSimulatedVendorCertInput): Promise<Uint8Array> {
  return issueDcapCertificate({
    subject: name(SIMULATED_TCB_SIGNING_CN),
    key: dcapKey(input.key),
    issuer: { certDer: input.rootCertDer, key: dcapKey(input.rootKey) },
    serialNumber: serialFor(input.key, 'tcb-signing'),
    notBefore: input.notBefore,
    notAfter: after(input.notBefore, input.validDays ?? 7300),
    ca: false,
  })
}

export interface IssueSimulatedPckInput {
  pckCaCertDer: Uint8Array
  pckCaKey: SecretBytes
  /** the machine's PCK key; its public key goes in the certificate */
  pckKey: SecretBytes
  /** 16 bytes */
  ppid: Uint8Array
  /** 6 bytes: selects the TCB Info (and so the TCB verdict); see `simulatedFmspc` */
  fmspc: Uint8Array
  notBefore: Date
  /** default 10 years */
  validDays?: number
  cpuSvn?: Uint8Array
  pceSvn?: number
}

/** Simulated PCK leaf certificate (DER) issued by the simulated PCK CA, with the Intel SGX extension. */
export async function issueSimulatedPck(input: IssueSimulatedPckInput): Promise<Uint8Array> {
  const sgx = encodeSgxExtension({
    ppid: input.ppid,
    cpuSvn: input.cpuSvn ?? new Uint8Array(16),
    pceSvn: input.pceSvn ?? 0,
    pceId: SIMULATED_PCE_ID,
    fmspc: input.fmspc,
    sgxType: 0,
  })
  return issueDcapCertificate({
    subject: name(SIMULATED_PCK_CN),
    key: dcapKey(input.pckKey),
    issuer: { certDer: input.pckCaCertDer, key: dcapKey(input.pckCaKey) },
    serialNumber: serialFor(input.pckKey, 'pck'),
    notBefore: input.notBefore,
    notAfter: after(input.notBefore, input.validDays ?? 3650),
    ca: false,
    extensions: [{ oid: SGX_EXTENSION_OID, value: sgx }],
  })
}

/**
 * FMSPC of the simulated platforms with this TCB verdict: SIMULATED_FMSPC (5C5C00000000) for UpToDate without
 * advisories, else 5C5C ‖ sha256("custos-simulated-tcb:" ‖ JSON [status, advisories])[0..4].
 */
export function simulatedFmspc(tcb: SimulatedTcb): Uint8Array {
  if (!TCB_STATUSES.includes(tcb.tcbStatus)) throw new RangeError(`unknown TCB status ${tcb.tcbStatus}`)
  if (tcb.tcbStatus === 'UpToDate' && tcb.advisoryIds.length === 0) return SIMULATED_FMSPC.slice()
  const h = sha256(utf8ToBytes(`custos-simulated-tcb:${JSON.stringify([tcb.tcbStatus, tcb.advisoryIds])}`))
  return concatBytes(SIMULATED_FMSPC.subarray(0, 2), h.subarray(0, 4))
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const HEX = (b: Uint8Array) => toHex(b).toUpperCase()

/**
 * TCB Info (TDX, v3) for one simulated FMSPC: one TCB level (all SVNs 0) with the verdict, and a TDX module
 * identity whose MRSIGNER_SEAM is all zero (a simulated quote's mr_signer_seam must be zero).
 */
export function simulatedTcbInfo(i: {
  fmspc: Uint8Array
  tcb: SimulatedTcb
  issueDate: Date
  nextUpdate: Date
}): string {
  const zeros = Array.from({ length: 16 }, () => ({ svn: 0 }))
  return JSON.stringify({
    id: 'TDX',
    version: 3,
    issueDate: iso(i.issueDate),
    nextUpdate: iso(i.nextUpdate),
    fmspc: HEX(i.fmspc),
    pceId: HEX(SIMULATED_PCE_ID),
    tcbType: 0,
    tcbEvaluationDataNumber: 1,
    tdxModule: { mrsigner: '00'.repeat(48), attributes: '0000000000000000', attributesMask: 'FFFFFFFFFFFFFFFF' },
    tcbLevels: [
      {
        tcb: { sgxtcbcomponents: zeros, pcesvn: 0, tdxtcbcomponents: zeros },
        tcbDate: iso(i.issueDate),
        tcbStatus: i.tcb.tcbStatus,
        ...(i.tcb.advisoryIds.length > 0 ? { advisoryIDs: i.tcb.advisoryIds } : {}),
      },
    ],
  })
}

/** QE Identity (TD_QE, v2) of the simulated Quoting Enclave. */
export function simulatedQeIdentity(i: { issueDate: Date; nextUpdate: Date }): string {
  return JSON.stringify({
    id: 'TD_QE',
    version: 2,
    issueDate: iso(i.issueDate),
    nextUpdate: iso(i.nextUpdate),
    tcbEvaluationDataNumber: 1,
    miscselect: '00000000',
    miscselectMask: 'FFFFFFFF',
    attributes: HEX(SIMULATED_QE_ATTRIBUTES),
    attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
    mrsigner: HEX(SIMULATED_QE_MRSIGNER),
    isvprodid: SIMULATED_QE_ISVPRODID,
    tcbLevels: [{ tcb: { isvsvn: 0 }, tcbDate: iso(i.issueDate), tcbStatus: 'UpToDate' }],
  })
}

export interface IssueSimulatedCollateralInput {
  rootCertDer: Uint8Array
  rootKey: SecretBytes
  pckCaCertDer: Uint8Array
  pckCaKey: SecretBytes
  tcbSigningCertDer: Uint8Array
  tcbSigningKey: SecretBytes
  tcb: SimulatedTcb
  /** start of the CRLs' and documents' validity */
  issueDate: Date
  /** default 20 years after issueDate */
  validDays?: number
}

/**
 * Collateral for the simulated platforms with verdict `tcb` (FMSPC `simulatedFmspc(tcb)`): root CA CRL and PCK
 * CRL (nothing revoked), TCB Info and QE Identity signed by the TCB signing key.
 */
export async function issueSimulatedCollateral(i: IssueSimulatedCollateralInput): Promise<Collateral> {
  const nextUpdate = after(i.issueDate, i.validDays ?? 7300)
  const window = { thisUpdate: i.issueDate, nextUpdate }
  return dcapCollateral({
    rootCertDer: i.rootCertDer,
    pckCaCertDer: i.pckCaCertDer,
    tcbSigningCertDer: i.tcbSigningCertDer,
    tcbSigningKey: dcapKey(i.tcbSigningKey),
    rootCrlDer: await issueDcapCrl({ issuer: { certDer: i.rootCertDer, key: dcapKey(i.rootKey) }, ...window }),
    pckCrlDer: await issueDcapCrl({ issuer: { certDer: i.pckCaCertDer, key: dcapKey(i.pckCaKey) }, ...window }),
    tcbInfo: simulatedTcbInfo({ fmspc: simulatedFmspc(i.tcb), tcb: i.tcb, issueDate: i.issueDate, nextUpdate }),
    qeIdentity: simulatedQeIdentity({ issueDate: i.issueDate, nextUpdate }),
  })
}

/**
 * True when `certDer` names `issuerDer`'s subject as issuer and its signature verifies with that key (OpenSSL).
 * False for anything that does not parse.
 */
export function isIssuedBy(certDer: Uint8Array, issuerDer: Uint8Array): boolean {
  try {
    const cert = nodeCertOf(certDer)
    const issuer = nodeCertOf(issuerDer)
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey)
  } catch {
    return false
  }
}

/** The Intel SGX extension (PPID, FMSPC, …) of a simulated PCK certificate. @throws AttestationError */
export function readSimulatedPck(pckDer: Uint8Array): SgxExtension | undefined {
  return sgxExtensionOfCertificate(pckDer)
}
