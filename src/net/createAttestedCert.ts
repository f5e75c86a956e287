/** An RA-TLS certificate made on the spot for this workload (rpc server, onboarding and agent client certificates). */
import { encodeVersionedAttestation } from '../attestation/index.js'
import {
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  p256KeyPairFromScalar,
  pemToDer,
  type SecretBytes,
} from '../crypto/index.js'
import type { TeePlatform } from '../tee/index.js'
import { createRaTlsCertificate } from './createRaTlsCertificate.js'
import { raTlsReportData } from './raTlsReportData.js'

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
