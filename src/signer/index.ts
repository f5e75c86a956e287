// The validator remote signer's building blocks; the HTTP API (Web3Signer, keymanager) lands with issue 4.

export {
  DEFAULT_KEYMANAGER_BODY_LIMIT,
  DEFAULT_SIGN_BODY_LIMIT,
  type KeymanagerAppOptions,
  keymanagerApp,
  type SignerTlsOptionsParameters,
  signerTlsOptions,
  type Web3SignerAppOptions,
  web3signerApp,
} from './api/index.js'
export {
  blsWithdrawalCredentials,
  buildDepositData,
  type DepositDatum,
  depositDataFileName,
  executionWithdrawalCredentials,
  serializeDepositDataFile,
  verifyDepositDatum,
} from './deposit/index.js'
export { SignerError } from './errors.js'
export {
  blsBackendStatus,
  blsKeyReportData,
  type DecryptedKeystore,
  decryptKeystore,
  deriveKeyFromPath,
  encryptKeystore,
  generateBlsKey,
  getBls,
  signRoot,
  verifyRoot,
} from './keys/index.js'
export {
  type DeleteResult,
  type DeleteStatus,
  type ImportStatus,
  type KeyAttestation,
  type KeystoreImport,
  type ReloadStatus,
  resolveSignerNetwork,
  SIGNER_SLASHING_DOMAIN,
  type SignerHealth,
  type SignerKeyInfo,
  type SignerNetwork,
  type SignerNetworkInput,
  SignerService,
  SignerServiceError,
  type SignerServiceOptions,
  slashingStoreMigrations,
  verifyKeyAttestation,
} from './service/index.js'
export {
  computeDomain,
  computeSigningRoot,
  DOMAIN_VOLUNTARY_EXIT,
  exactUint64,
  KNOWN_NETWORKS,
  type NetworkConfig,
  prepareSignRequest,
} from './signing/index.js'
export {
  applyMigrations,
  type HighWatermark,
  type InterchangeTestResult,
  interchangeTestFiles,
  runInterchangeTestDir,
  runInterchangeTestFile,
  SlashingError,
  SlashingProtection,
  type SlashingStrategy,
  slashingMigrations,
} from './slashing/index.js'
