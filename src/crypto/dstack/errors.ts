import { defineErrors } from '../../errors.js'

/**
 * Refusals of the dstack-compatible KMS crypto (derivation, signatures, CSR parsing). All are input
 * errors (HTTP 400, as dstack answers every prpc failure). Messages never carry key bytes.
 */
export const KmsCryptoError = defineErrors('KmsCryptoError', {
  /** a scalar is 0, ≥ the curve order, or not 32 bytes */
  KMS_CRYPTO_INVALID_SCALAR: 400,
  /** an input has the wrong length (app_id, instance_id, public key, HKDF output) */
  KMS_CRYPTO_INVALID_LENGTH: 400,
  /** a PKCS#8 / SPKI / PEM key encoding could not be parsed or is not P-256 */
  KMS_CRYPTO_BAD_KEY_ENCODING: 400,
  /** a SignCert CSR is malformed (truncated, bad lengths, bad confirm word, trailing bytes) */
  KMS_CRYPTO_BAD_CSR: 400,
  /** a signature is malformed or does not verify */
  KMS_CRYPTO_BAD_SIGNATURE: 400,
  /** an algorithm name the guest getKey API does not know */
  KMS_CRYPTO_UNSUPPORTED_ALGORITHM: 400,
  /** an encrypted env blob is short, fails AES-GCM authentication, or is not {"env":[…]} */
  KMS_CRYPTO_BAD_ENV_CIPHERTEXT: 400,
  /** a timestamp outside u64 */
  KMS_CRYPTO_INVALID_TIMESTAMP: 400,
})
export type KmsCryptoError = InstanceType<typeof KmsCryptoError>
