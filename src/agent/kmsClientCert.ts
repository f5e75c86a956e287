import { X509Certificate } from 'node:crypto'
import { equalBytes, exportSpkiDer, p256KeyPairFromScalar, p256ScalarFromPkcs8Pem } from '../crypto/index.js'
import { createAttestedCert } from '../net/index.js'
import type { TeePlatform } from '../tee/index.js'
import { AgentError } from './errors.js'

/** The KMS's temp CA, as `KMS.GetTempCaCert` returns it (dstack `GetTempCaCertResponse`). */
export interface KmsTempCa {
  /** temp CA certificate, PEM */
  certPem: string
  /** temp CA P-256 key, PKCS#8 PEM: public on purpose (dstack), it only lets a client cert pass mTLS chain checks */
  keyPem: string
}

/** The agent's RA-TLS client certificate for the KMS: a fresh P-256 key, evidence bound to it, issued by `ca`. */
export interface KmsClientCert {
  certPem: string
  keyPem: string
}

const badReply = (why: string) => new AgentError('AGENT_KMS_BAD_REPLY', `GetTempCaCert reply: ${why}`)

/**
 * Read a GetTempCaCert reply. `ca_cert` (the root CA) is not used: which KMS is trusted is decided by the
 * KmsTrust on every connection, not by what this reply says.
 */
export function parseTempCaReply(obj: Record<string, unknown>): KmsTempCa {
  const { temp_ca_cert: certPem, temp_ca_key: keyPem } = obj
  if (typeof certPem !== 'string' || certPem === '') throw badReply('temp_ca_cert is missing')
  if (typeof keyPem !== 'string' || keyPem === '') throw badReply('temp_ca_key is missing')
  return { certPem, keyPem }
}

/**
 * Issue the agent's RA-TLS client certificate as a dstack guest does (ra-tls `generate_ra_cert`, called by
 * dstack-util before GetAppKey): CN "RA-TLS TEMP Cert", client auth, the attestation extension with
 * report_data = SHA-512("ratls-cert:" ‖ SPKI), signed by the KMS temp CA. A dstack KMS checks the chain at the
 * TLS handshake (`[rpc.tls.mutual] ca_certs = tmp-ca.crt`), so a self-signed certificate never reaches it.
 */
export async function issueKmsClientCert(tee: TeePlatform, ca: KmsTempCa, now: number): Promise<KmsClientCert> {
  let issuerKey: ReturnType<typeof p256ScalarFromPkcs8Pem>
  try {
    issuerKey = p256ScalarFromPkcs8Pem(ca.keyPem)
    // A key that is not the certificate's would give a certificate the KMS refuses with a vaguer error.
    const certSpki = new X509Certificate(ca.certPem).publicKey.export({ type: 'spki', format: 'der' })
    const keySpki = await exportSpkiDer((await p256KeyPairFromScalar(issuerKey)).publicKey)
    if (!equalBytes(new Uint8Array(certSpki), keySpki)) throw new Error('key mismatch')
  } catch {
    throw badReply('temp_ca_key is not a P-256 key of temp_ca_cert')
  }
  try {
    return await createAttestedCert({
      tee,
      subject: 'RA-TLS TEMP Cert',
      issuerKey,
      issuerCertPem: ca.certPem,
      clientAuth: true,
      now,
    })
  } catch (e) {
    throw new AgentError(
      'AGENT_TEE_FAILED',
      'could not produce this TEE evidence for the RA-TLS client certificate',
      {},
      { cause: e },
    )
  } finally {
    issuerKey.wipe()
  }
}
