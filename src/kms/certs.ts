/**
 * The KMS's certificates, shaped as dstack's (dstack-kms.md §3.1): root CA, temp CA, app CA, the RA-TLS
 * rpc server certificate and SignCert leaves. Keys are P-256 scalars held in SecretBytes.
 */

import { encodeVersionedAttestation } from '../attestation/index.js'
import {
  createSelfSignedCa,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  p256KeyPairFromScalar,
  pemToDer,
  type SecretBytes,
} from '../crypto/index.js'
import { createRaTlsCertificate, raTlsReportData } from '../net/index.js'
import type { TeePlatform } from '../tee/index.js'

export const ROOT_CA_SUBJECT = { organizationName: 'Dstack', commonName: 'Dstack KMS CA' }
export const TMP_CA_SUBJECT = { organizationName: 'Dstack', commonName: 'Dstack Client Temp CA' }

export async function createRootCaCert(rootCaKey: SecretBytes, now: number): Promise<string> {
  const keys = await p256KeyPairFromScalar(rootCaKey)
  return (await createSelfSignedCa({ subject: ROOT_CA_SUBJECT, keys, pathLen: 1, now })).pem
}

export async function createTmpCaCert(tmpCaKey: SecretBytes, now: number): Promise<string> {
  const keys = await p256KeyPairFromScalar(tmpCaKey)
  return (await createSelfSignedCa({ subject: TMP_CA_SUBJECT, keys, pathLen: 0, now })).pem
}

/** SPKI DER of the root CA key (BootstrapResponse.ca_pubkey; key-provider id). */
export async function caPublicKeySpki(rootCaKey: SecretBytes): Promise<Uint8Array> {
  return exportSpkiDer((await p256KeyPairFromScalar(rootCaKey)).publicKey)
}

/**
 * A fresh RA-TLS key and certificate whose evidence commits to the key (report_data =
 * SHA-512("ratls-cert:" ‖ SPKI)). Signed by `issuer` when given (rpc cert: root CA; client cert: temp CA).
 */
export async function createAttestedCert(opts: {
  tee: TeePlatform
  subject: string
  altNames?: string[]
  usage?: 'kms:rpc' | 'app:ca' | 'app:custom'
  issuerKey?: SecretBytes
  issuerCertPem?: string
  serverAuth?: boolean
  clientAuth?: boolean
  now: number
}): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateP256KeyPair()
  const spki = await exportSpkiDer(keys.publicKey)
  const attestation = encodeVersionedAttestation(await opts.tee.attest(raTlsReportData(spki)))
  const issuer =
    opts.issuerKey && opts.issuerCertPem
      ? {
          cert: pemToDer(opts.issuerCertPem, 'CERTIFICATE'),
          privateKey: (await p256KeyPairFromScalar(opts.issuerKey)).privateKey,
        }
      : undefined
  const cert = await createRaTlsCertificate({
    keys,
    attestation,
    subject: opts.subject,
    altNames: opts.altNames,
    usage: opts.usage,
    issuer,
    serverAuth: opts.serverAuth,
    clientAuth: opts.clientAuth,
    now: opts.now,
  })
  return { certPem: cert.pem, keyPem: await exportPkcs8Pem(keys.privateKey) }
}
