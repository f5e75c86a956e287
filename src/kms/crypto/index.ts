/** dstack-KMS-compatible key derivation, signatures and CSR formats: pure functions over Uint8Array. */
export {
  type AppK256Source,
  type AppKeyInput,
  type AppKeys,
  assertAppId,
  deriveAppCaScalar,
  deriveAppK256Key,
  deriveAppKeys,
  deriveDiskCryptKey,
  deriveEnvCryptKey,
} from './appKeys.js'
export { bootstrapReportData } from './bootstrapReportData.js'
export {
  type CertConfigV2,
  decodeCertConfigV2,
  decodeCsr,
  decodeCsrV1,
  decodeCsrV2,
  encodeCertConfigV2,
  encodeCsrV1,
  encodeCsrV2,
  MAX_CSR_ATTESTATION_BYTES,
  type SignCertCsr,
} from './csr.js'
export {
  appEnvEncryptPubKey,
  decryptEnvVars,
  type EnvEncryptPubKey,
  type EnvEncryptPubKeyInput,
  type EnvVar,
  envEncryptPublicKey,
} from './envEncryption.js'
export { KmsCryptoError } from './errors.js'
export {
  deriveGuestKey,
  type GuestKey,
  type GuestKeyAlgorithm,
  getGuestKey,
  guestKeySignature,
  guestPublicKey,
  normalizeGuestKeyAlgorithm,
  recoverGuestKeyChain,
} from './guestKey.js'
export { deriveDhSecret, deriveKey, deriveP256Key } from './kdf.js'
export {
  BOOTSTRAP_REPORT_TAG,
  CSR_CONFIRM,
  KDF_SALT,
  LABEL_APP_CA_KEY,
  LABEL_APP_K256_KEY,
  LABEL_DISK_CRYPT_KEY,
  LABEL_ENV_CRYPT_KEY,
  PREFIX_ENV_ENCRYPT_PUBKEY,
  PREFIX_KMS_ISSUED,
} from './labels.js'
export {
  assertP256Scalar,
  p256Pkcs8Der,
  p256Pkcs8Pem,
  p256PublicKey,
  p256PublicKeyFromSpki,
  p256ScalarFromPem,
  p256ScalarFromPkcs8,
  p256ScalarFromPkcs8Pem,
  p256SpkiDer,
} from './p256Keys.js'
export {
  assertK256Scalar,
  type Bytesish,
  k256PublicKey,
  messagePreimage,
  recoverKeccak256Signer,
  recoverMessageSigner,
  recoverMessageSignerWithTimestamp,
  signMessage,
  signMessageWithTimestamp,
  signRecoverableKeccak256,
  timestampedMessagePreimage,
} from './signMessage.js'
export { verifyCsrSignature, verifySignCertCsr } from './verifyCsrSignature.js'
