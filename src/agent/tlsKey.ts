import { sign as nodeSign } from 'node:crypto'
import { encodeVersionedAttestation } from '../attestation/index.js'
import {
  type CertConfigV2,
  CSR_CONFIRM,
  encodeCsrV2,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
} from '../crypto/index.js'
import { raTlsReportData } from '../net/index.js'
import { AgentError } from './errors.js'
import type { GuestContext } from './guestContext.js'
import { GetTlsKeyArgs, parseArgs } from './guestInput.js'

export interface GetTlsKeyReply {
  /** PKCS#8 PEM of a fresh random P-256 key */
  key: string
  /** [leaf, app CA, KMS root CA] PEMs from the KMS SignCert */
  certificate_chain: string[]
}

/** A P-256 key to certify: PKCS#8 PEM (signs the CSR) and its SPKI DER (goes into the CSR). */
export interface CertKey {
  keyPem: string
  spki: Uint8Array
}

/**
 * dstack `issue_cert`: a V2 CSR for `key`'s public key carrying evidence bound to it
 * (report_data = SHA-512("ratls-cert:" ‖ SPKI)), signed ECDSA-P256-SHA256 (DER) with the key, sent to SignCert.
 * Returns the chain [leaf, app CA, KMS root CA].
 */
export async function certifyKey(ctx: GuestContext, config: CertConfigV2, key: CertKey): Promise<string[]> {
  let attestation: Uint8Array
  try {
    attestation = encodeVersionedAttestation(await ctx.tee.attest(raTlsReportData(key.spki)))
  } catch (e) {
    throw new AgentError(
      'AGENT_TEE_FAILED',
      'the TEE did not produce evidence for the certificate key',
      {},
      { cause: e },
    )
  }
  const csr = encodeCsrV2({ confirm: CSR_CONFIRM, pubkey: key.spki, config, attestation })
  const signature = new Uint8Array(nodeSign('sha256', csr, { key: key.keyPem, dsaEncoding: 'der' }))
  return ctx.signCert(csr, signature)
}

/** `certifyKey` for a fresh random P-256 key (GetTlsKey, the demo certificate). */
export async function issueCertificate(
  ctx: GuestContext,
  config: CertConfigV2,
): Promise<{ keyPem: string; chain: string[] }> {
  const keys = await generateP256KeyPair()
  const spki = await exportSpkiDer(keys.publicKey)
  const keyPem = await exportPkcs8Pem(keys.privateKey)
  return { keyPem, chain: await certifyKey(ctx, config, { keyPem, spki }) }
}

/** The certificate request fields GetTlsKey and Tappd DeriveKey share (no validity: SignCert's default). */
export interface CertRequestArgs {
  subject: string
  alt_names: string[]
  usage_server_auth: boolean
  usage_client_auth: boolean
  usage_ra_tls: boolean
}

/** The SignCert `CertConfigV2` for a guest's certificate request (`usage_ra_tls` → the evidence extension). */
export function certConfigFromArgs(a: CertRequestArgs, extAppInfo: boolean): CertConfigV2 {
  return {
    subject: a.subject,
    subjectAltNames: a.alt_names,
    usageServerAuth: a.usage_server_auth,
    usageClientAuth: a.usage_client_auth,
    extQuote: a.usage_ra_tls,
    extAppInfo,
  }
}

/** `/GetTlsKey`: random P-256 key + a KMS-issued certificate chain (subject, SANs, EKUs, RA-TLS ext on request). */
export async function handleGetTlsKey(ctx: GuestContext, input: unknown): Promise<GetTlsKeyReply> {
  const a = parseArgs(GetTlsKeyArgs, input)
  if (a.not_before !== undefined && a.not_after !== undefined && a.not_before >= a.not_after)
    throw new AgentError('AGENT_BAD_INPUT', 'not_before must be earlier than not_after')
  const config: CertConfigV2 = {
    ...certConfigFromArgs(a, a.with_app_info),
    ...(a.not_before !== undefined ? { notBefore: BigInt(a.not_before) } : {}),
    ...(a.not_after !== undefined ? { notAfter: BigInt(a.not_after) } : {}),
  }
  const { keyPem, chain } = await issueCertificate(ctx, config)
  return { key: keyPem, certificate_chain: chain }
}

/** The demo certificate dstack requests at start (Info.app_cert): client auth, evidence extension. */
export async function issueDemoCertificate(ctx: GuestContext): Promise<string> {
  const { chain } = await issueCertificate(ctx, {
    subject: 'demo-cert',
    subjectAltNames: [],
    usageServerAuth: false,
    usageClientAuth: true,
    extQuote: true,
    extAppInfo: false,
  })
  return chain.join('\n')
}
