/**
 * SignCert CSR signature check (dstack-kms.md §6.5, `ra-tls/src/cert.rs::Csr::verify`): ECDSA P-256 with
 * SHA-256, ASN.1 DER signature, by the key in the CSR (SPKI DER, uncompressed point as ring requires).
 * High-S signatures are valid (ring accepts them).
 */
import { p256 } from '@noble/curves/nist.js'
import type { SignCertCsr } from './csr.js'
import { KmsCryptoError } from './errors.js'
import { CSR_CONFIRM } from './labels.js'
import { p256PublicKeyFromSpki } from './p256Keys.js'

/**
 * True iff `signatureDer` is a valid ECDSA P-256/SHA-256 signature of `csrBytes` by the key in
 * `pubkeySpkiDer` (P-256, uncompressed point). Malformed keys or signatures give false, never a throw.
 * Pass `SignCertCsr.signedBytes` as `csrBytes` (for V1 it drops trailing bytes dstack ignores).
 */
export function verifyCsrSignature(csrBytes: Uint8Array, signatureDer: Uint8Array, pubkeySpkiDer: Uint8Array): boolean {
  let point: Uint8Array
  try {
    point = p256PublicKeyFromSpki(pubkeySpkiDer, { uncompressedOnly: true })
    return p256.verify(signatureDer, csrBytes, point, { prehash: true, lowS: false, format: 'der' })
  } catch {
    return false
  }
}

/** dstack's order: verify the signature over the signed bytes (KMS_CRYPTO_BAD_SIGNATURE), then the confirm word (KMS_CRYPTO_BAD_CSR). */
export function verifySignCertCsr(csr: SignCertCsr, signatureDer: Uint8Array): void {
  if (!verifyCsrSignature(csr.signedBytes, signatureDer, csr.pubkey))
    throw new KmsCryptoError(
      'KMS_CRYPTO_BAD_SIGNATURE',
      'CSR signature does not verify with the CSR public key (P-256 SPKI, DER signature)',
    )
  if (csr.confirm !== CSR_CONFIRM)
    throw new KmsCryptoError('KMS_CRYPTO_BAD_CSR', `invalid SignCert CSR: confirm word must be "${CSR_CONFIRM}"`)
}
