export { SlashingError, type SlashingErrorCode } from './errors.js'
export {
  type InterchangeTestCase,
  type InterchangeTestResult,
  interchangeTestFiles,
  runInterchangeTestDir,
  runInterchangeTestFile,
} from './interchangeTestRunner.js'
export { type InterchangeV5Json, parseInterchangeV5, serializeInterchangeV5 } from './interchangeV5.js'
export { applyMigrations, type SlashingMigration, slashingMigrations } from './migrations.js'
export { SlashingProtection, type SlashingProtectionOptions } from './slashingProtection.js'
export type {
  HighWatermark,
  ImportSummary,
  Interchange,
  LowWatermarks,
  SignedAttestationRecord,
  SignedBlockRecord,
  SignOutcome,
  SlashingCheck,
  SlashingCheckResult,
  SlashingStrategy,
  ValidatorHistory,
} from './types.js'
