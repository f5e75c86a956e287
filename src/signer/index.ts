// The validator remote signer's building blocks; the HTTP API (Web3Signer, keymanager) lands with issue 4.

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
export { KNOWN_NETWORKS, prepareSignRequest } from './signing/index.js'
export {
  applyMigrations,
  runInterchangeTestDir,
  SlashingError,
  SlashingProtection,
  slashingMigrations,
} from './slashing/index.js'
