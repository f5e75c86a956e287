import { defineErrors } from '../../errors.js'

/**
 * Input errors of `custos contracts …` (raised before anything is sent). Chain failures (RPC unreachable, wrong
 * chain id, not deployed, reverts) stay `ChainError`s from src/chain. The CLI prints the message and exits 1.
 */
export const ContractsCliError = defineErrors('ContractsCliError', {
  /** an argument or option is missing or malformed (hex, address, number, file) */
  CONTRACTS_BAD_ARG: 400,
  /** a deployment / participants / key file cannot be read or has the wrong shape */
  CONTRACTS_BAD_FILE: 400,
  /** refused on purpose: public dev keys on a non-local chain, overwriting a file, a proposal hash mismatch */
  CONTRACTS_REFUSED: 400,
})
export type ContractsCliError = InstanceType<typeof ContractsCliError>
