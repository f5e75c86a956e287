import { X509Certificate } from 'node:crypto'
import { derToPem } from '../crypto/index.js'
import { KmsError } from './errors.js'
import type { RpcPeer } from './rpcMethod.js'

/** The parsed temp CA certificate, once per certificate (the material's PEM is stable while the KMS runs). */
let cached: { pem: string; cert: X509Certificate } | undefined
function tempCaOf(pem: string): X509Certificate {
  if (cached?.pem !== pem) cached = { pem, cert: new X509Certificate(pem) }
  return cached.cert
}

const notFromTempCa = (why: string) =>
  new KmsError(
    'KMS_CLIENT_CERT_NOT_FROM_TEMP_CA',
    `client certificate refused: ${why}; this KMS requires RA-TLS client certificates signed by its temp CA ` +
      '(GetTempCaCert), as a dstack KMS with [rpc.tls.mutual] ca_certs = tmp-ca.crt does',
  )

/**
 * `[kms] require_temp_ca_client_cert`: the peer's certificate must be issued by this KMS's temp CA (issuer name
 * and signature), as rustls checks it at a dstack KMS's handshake. It adds no security (the temp CA key is
 * public; trust comes from the evidence): it makes this KMS refuse the same clients a dstack KMS refuses.
 */
export function ensureClientCertFromTempCa(peer: RpcPeer, tempCaCertPem: string): void {
  if (!peer.certDer) throw notFromTempCa('the transport did not provide the certificate')
  let cert: X509Certificate
  try {
    // through PEM, as agent/kmsTrust.ts does: on Node 20 an X509Certificate built from these DER bytes failed
    // checkIssued/verify where the same bytes as PEM pass (seen in this module's test)
    cert = new X509Certificate(derToPem(peer.certDer, 'CERTIFICATE'))
  } catch {
    throw notFromTempCa('it is not a certificate')
  }
  const ca = tempCaOf(tempCaCertPem)
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw notFromTempCa('it is not signed by the temp CA')
}
