export { concatBytes, equalBytes, isZero, padRight, utf8ToBytes } from './bytes.js'
export type { Tlv as DerTlv } from './der.js'
export * as der from './der.js'
export { DerError } from './der.js'
// dstack-KMS-compatible key derivation, signatures, CSR and key formats (dstack-kms.md §3): pure functions over
// Uint8Array, shared by kms/ (the server side) and agent/ (the guest side)
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
} from './dstack/appKeys.js'
export { bootstrapReportData } from './dstack/bootstrapReportData.js'
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
} from './dstack/csr.js'
export {
  appEnvEncryptPubKey,
  decryptEnvVars,
  type EnvEncryptPubKey,
  type EnvEncryptPubKeyInput,
  type EnvVar,
  envEncryptPublicKey,
} from './dstack/envEncryption.js'
export { KmsCryptoError } from './dstack/errors.js'
export {
  deriveGuestKey,
  type GuestKey,
  type GuestKeyAlgorithm,
  getGuestKey,
  guestKeySignature,
  guestPublicKey,
  normalizeGuestKeyAlgorithm,
  recoverGuestKeyChain,
} from './dstack/guestKey.js'
export { deriveDhSecret, deriveKey, deriveP256Key } from './dstack/kdf.js'
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
} from './dstack/labels.js'
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
} from './dstack/p256Keys.js'
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
} from './dstack/signMessage.js'
export { verifyCsrSignature, verifySignCertCsr } from './dstack/verifyCsrSignature.js'
export { fromHex, isHex, toHex } from './hex.js'
export type { PemBlock } from './pem.js'
export { derToPem, PemError, pemBlocks, pemBlocksToDer, pemToDer } from './pem.js'
export { ScaleError, ScaleReader, ScaleWriter } from './scale.js'
export { SecretBytes } from './secretBytes.js'
export type {
  CertExtensionInput,
  CertIssuer,
  CertificateOptions,
  CertTime,
  DistinguishedName,
  KeyUsageName,
  X509Cert,
} from './x509Certs.js'
export {
  createSelfSignedCa,
  createSelfSignedCertificate,
  issueCertificate,
  TEN_YEARS_SECONDS,
} from './x509Certs.js'
export type { P256KeyPair, WebCryptoKey } from './x509Keys.js'
export {
  exportP256Scalar,
  exportPkcs8Der,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  importPkcs8Der,
  importPkcs8Pem,
  importSpkiDer,
  p256KeyPairFromScalar,
} from './x509Keys.js'
export type { CertExtension, ParsedCertificate } from './x509Parse.js'
export { getCertExtension, isSignedBy, parseCertificate } from './x509Parse.js'
