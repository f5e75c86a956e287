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
export { buildDepositData, serializeDepositDataFile, verifyDepositDatum } from './deposit/index.js'
export { SignerError } from './errors.js'
export {
  blsBackendStatus,
  blsKeyReportData,
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
  type SignerHealth,
  type SignerKeyInfo,
  type SignerNetwork,
  type SignerNetworkInput,
  SignerService,
  SignerServiceError,
  type SignerServiceOptions,
  verifyKeyAttestation,
} from './service/index.js'
export { KNOWN_NETWORKS, prepareSignRequest } from './signing/index.js'
export {
  applyMigrations,
  runInterchangeTestDir,
  SlashingError,
  SlashingProtection,
  slashingMigrations,
} from './slashing/index.js'
// Used by `custos signer …` (src/cli/signer*.ts).
export {
  blsWithdrawalCredentials,
  DEFAULT_DEPOSIT_CLI_VERSION,
  type DepositDatum,
  depositDataFileName,
  executionWithdrawalCredentials,
  resolveDepositNetwork,
} from './deposit/index.js'
export {
  computeDomain,
  computeSigningRoot,
  DOMAIN_VOLUNTARY_EXIT,
  exactUint64,
  type NetworkConfig,
  ZERO_ROOT,
} from './signing/index.js'
export type { DecryptedKeystore } from './keys/index.js'
export {
  type InterchangeTestResult,
  interchangeTestFiles,
  runInterchangeTestFile,
  type SlashingStrategy,
} from './slashing/index.js'
