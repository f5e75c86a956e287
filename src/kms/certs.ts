/**
 * The KMS's certificates, shaped as dstack's (dstack-kms.md §3.1): root CA, temp CA, app CA, the RA-TLS
 * rpc server certificate and SignCert leaves. Keys are P-256 scalars held in SecretBytes.
 */

import { createSelfSignedCa, exportSpkiDer, p256KeyPairFromScalar, type SecretBytes } from '../crypto/index.js'

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
