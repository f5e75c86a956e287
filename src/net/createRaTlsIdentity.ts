import { encodeVersionedAttestation } from '../attestation/index.js'
import { exportPkcs8Pem, exportSpkiDer, generateP256KeyPair, type P256KeyPair, type X509Cert } from '../crypto/index.js'
import type { TeePlatform } from '../tee/index.js'
import { type CreateRaTlsCertificateParameters, createRaTlsCertificate } from './createRaTlsCertificate.js'
import { raTlsReportData } from './raTlsReportData.js'

export interface RaTlsIdentity {
  keys: P256KeyPair
  cert: X509Cert
  /** PKCS#8 PEM of the TLS key (for `tlsServerOptions` / `createAttestedClient`) */
  keyPem: string
  /** SPKI DER of the TLS key */
  spki: Uint8Array
}

/**
 * A TLS key (fresh unless `keys` is given) and an RA-TLS certificate whose attestation, taken from `tee`,
 * commits to `raTlsReportData(SPKI)` — dstack `generate_ra_cert` (e.g. subject "RA-TLS TEMP Cert" signed by
 * the tmp CA for onboarding, or the KMS rpc cert with usage `kms:rpc` signed by the root CA).
 */
export async function createRaTlsIdentity(
  p: Omit<CreateRaTlsCertificateParameters, 'keys' | 'attestation'> & {
    tee: Pick<TeePlatform, 'attest'>
    keys?: P256KeyPair
  },
): Promise<RaTlsIdentity> {
  const { tee, keys: given, ...rest } = p
  const keys = given ?? (await generateP256KeyPair())
  const spki = await exportSpkiDer(keys.publicKey)
  const attestation = encodeVersionedAttestation(await tee.attest(raTlsReportData(spki)))
  const cert = await createRaTlsCertificate({ ...rest, keys, attestation })
  return { keys, cert, keyPem: await exportPkcs8Pem(keys.privateKey), spki }
}
