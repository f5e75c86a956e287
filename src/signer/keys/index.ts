export { type BlsBackend, type BlsBackendStatus, blsBackendStatus, getBls } from './blsBackend.js'
export { blsKeyReportData } from './blsKeyReportData.js'
export { BlsSignWorker } from './blsSignWorker.js'
export {
  BLS_CURVE_ORDER,
  deriveChildSK,
  deriveMasterSK,
  hkdfModR,
  parentSkToLamportPk,
  secretKeyToBigint,
} from './eip2333.js'
export { deriveKeyFromPath, parseKeyPath, signingKeyPath, withdrawalKeyPath } from './eip2334.js'
export { type GeneratedBlsKey, generateBlsKey } from './generateBlsKey.js'
export {
  assertKdfWithinLimits,
  type DecryptedKeystore,
  decryptKeystore,
  type EncryptKeystoreOptions,
  encryptKeystore,
  type KeystoreKdfChoice,
  normalizeKeystorePassword,
  parseKeystore,
} from './keystore.js'
export {
  type KeystoreKdf,
  type KeystoreV4,
  kdfLimitViolation,
  keystoreV4Schema,
  MAX_PBKDF2_C,
  MAX_SCRYPT_MEMORY_BYTES,
  MAX_SCRYPT_WORK,
} from './keystoreSchema.js'
export { signRoot, verifyRoot } from './signRoot.js'
