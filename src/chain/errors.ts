import { defineErrors } from '../errors.js'

/** Errors of the chain domain (compile, local EVM, RPC clients, Custos contracts). */
export const ChainError = defineErrors('ChainError', {
  /** the JSON-RPC endpoint did not answer (connection refused, timeout, not JSON-RPC) */
  CHAIN_RPC_UNREACHABLE: 503,
  /** the endpoint answered with another chain id than the configuration expects */
  CHAIN_WRONG_CHAIN_ID: 400,
  /** there is no contract code at the configured address (wrong address, wrong chain, not deployed yet) */
  CHAIN_NOT_DEPLOYED: 400,
  /** a contract call or transaction reverted; meta.errorName / meta.reason carry the decoded revert */
  CHAIN_REVERTED: 400,
  /** the Solidity sources did not compile; meta.errors has the first compiler messages */
  CHAIN_COMPILE_FAILED: 500,
  /** the in-process EVM could not start or an HTTP listener could not be opened */
  CHAIN_EVM_FAILED: 500,
  /** an argument (address, hex field, account) is malformed */
  CHAIN_BAD_INPUT: 400,
})
export type ChainError = InstanceType<typeof ChainError>
export type ChainErrorCode = ChainError['code']
