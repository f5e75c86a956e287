export {
  type BuildDepositOptions,
  buildDepositData,
  DEFAULT_DEPOSIT_CLI_VERSION,
  type DepositDatum,
  type DepositNetwork,
  depositDataFileName,
  resolveDepositNetwork,
  serializeDepositDataFile,
  verifyDepositDatum,
} from './depositData.js'
export { blsWithdrawalCredentials, executionWithdrawalCredentials } from './withdrawalCredentials.js'
