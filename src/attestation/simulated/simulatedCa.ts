import 'reflect-metadata'
import { sha256 } from '@noble/hashes/sha2.js'
import * as x509 from '@peculiar/x509'
import type { SecretBytes } from '../../crypto/index.js'
import { toHex } from '../../crypto/index.js'
import type { TcbStatus } from '../types.js'
import { patchAndResign } from './certDer.js'
import {
  SGX_EXTENSION_OID,
  SIMULATED_FMSPC,
  SIMULATED_ORG,
  SIMULATED_PCE_ID,
  SIMULATED_PCK_CN,
  SIMULATED_ROOT_CN,
  SIMULATED_TCB_OID,
} from './constants.js'
import { octets, oid, seq } from './der.js'
import { importSigningKey, importVerifyKey, p256PublicKey } from './keys.js'
import { encodeSgxExtension } from './sgxExtension.js'
import { encodeTcbExtension } from './tcbExtension.js'

/**
 * The simulated vendor PKI: a self-signed "root CA" standing in for Intel's, and per-machine PCK leaf
 * certificates carrying the real SGX extension (PPID, PCE-ID, FMSPC) plus the simulated TCB verdict.
 * Keys are 32-byte P-256 scalars supplied by the caller (no hidden randomness beyond ECDSA nonces).
 */

/** 2.25 followed by 19 arcs of 1: its DER encoding has the same length (20 bytes) as SIMULATED_TCB_OID's. */
const TCB_PLACEHOLDER_OID = `2.25${'.1'.repeat(19)}`
const SIG_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000

function serialFor(pub: Uint8Array, label: string): string {
  const h = sha256(new Uint8Array([...new TextEncoder().encode(label), ...pub])).slice(0, 16)
  h[0] = ((h[0] as number) & 0x7f) | 0x01
  return toHex(h)
}

export interface CreateSimulatedRootCaInput {
  key: SecretBytes
  notBefore: Date
  /** default 20 years */
  validDays?: number
}

/** Self-signed simulated root CA certificate (DER). CN says SIMULATED/INSECURE. */
export async function createSimulatedRootCa(input: CreateSimulatedRootCaInput): Promise<Uint8Array> {
  const pub = p256PublicKey(input.key)
  const publicKey = await importVerifyKey(pub)
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialFor(pub, 'root'),
    subject: `CN=${SIMULATED_ROOT_CN}, O=${SIMULATED_ORG}`,
    issuer: `CN=${SIMULATED_ROOT_CN}, O=${SIMULATED_ORG}`,
    notBefore: input.notBefore,
    notAfter: new Date(input.notBefore.getTime() + (input.validDays ?? 7300) * DAY_MS),
    publicKey,
    signingKey: await importSigningKey(input.key),
    signingAlgorithm: SIG_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  })
  return new Uint8Array(cert.rawData)
}

export interface IssueSimulatedPckInput {
  rootCertDer: Uint8Array
  rootKey: SecretBytes
  /** the machine's PCK key; its public key goes in the certificate */
  pckKey: SecretBytes
  /** 16 bytes */
  ppid: Uint8Array
  tcbStatus?: Exclude<TcbStatus, ''>
  advisoryIds?: string[]
  notBefore: Date
  /** default 10 years */
  validDays?: number
  cpuSvn?: Uint8Array
  pceSvn?: number
}

/** Simulated PCK leaf certificate (DER) issued by the simulated root. */
export async function issueSimulatedPck(input: IssueSimulatedPckInput): Promise<Uint8Array> {
  const root = new x509.X509Certificate(input.rootCertDer)
  const pub = p256PublicKey(input.pckKey)
  const publicKey = await importVerifyKey(pub)
  const sgx = encodeSgxExtension({
    ppid: input.ppid,
    cpuSvn: input.cpuSvn ?? new Uint8Array(16),
    pceSvn: input.pceSvn ?? 0,
    pceId: SIMULATED_PCE_ID,
    fmspc: SIMULATED_FMSPC,
    sgxType: 0,
  })
  const tcb = encodeTcbExtension({ tcbStatus: input.tcbStatus ?? 'UpToDate', advisoryIds: input.advisoryIds ?? [] })
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialFor(pub, 'pck'),
    subject: `CN=${SIMULATED_PCK_CN}, O=${SIMULATED_ORG}`,
    issuer: root.subject,
    notBefore: input.notBefore,
    notAfter: new Date(input.notBefore.getTime() + (input.validDays ?? 3650) * DAY_MS),
    publicKey,
    signingKey: await importSigningKey(input.rootKey),
    signingAlgorithm: SIG_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      await x509.AuthorityKeyIdentifierExtension.create(root, false),
      new x509.Extension(SGX_EXTENSION_OID, false, sgx),
      new x509.Extension(seq(oid(TCB_PLACEHOLDER_OID), octets(tcb))),
    ],
  })
  // asn1js cannot encode SIMULATED_TCB_OID's 128-bit arc: patch the same-length placeholder and re-sign
  return patchAndResign(new Uint8Array(cert.rawData), oid(TCB_PLACEHOLDER_OID), oid(SIMULATED_TCB_OID), input.rootKey)
}
