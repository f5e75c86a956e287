import type { Logger } from '../../log.js'
import type { SignRequest } from '../signing/index.js'

/**
 * Audit trail of the irreversible operations, at info once signed: a VOLUNTARY_EXIT (validator key, epoch, index),
 * a BLS_TO_EXECUTION_CHANGE (withdrawal key = from_bls_pubkey, validator index, execution address) and a DEPOSIT (signing key, deposit pubkey, amount in gwei, withdrawal credentials, fork version). Public
 * values only; the slashing-protected types have their own trail in the slashing database.
 */
export function auditSigning(log: Logger, hex: string, req: SignRequest): void {
  if (req.type === 'VOLUNTARY_EXIT') {
    log.info(
      {
        pubkey: `0x${hex}`,
        epoch: req.voluntary_exit.epoch.toString(),
        validatorIndex: req.voluntary_exit.validator_index.toString(),
      },
      'signed a VOLUNTARY_EXIT',
    )
  } else if (req.type === 'BLS_TO_EXECUTION_CHANGE') {
    const m = req.BLS_TO_EXECUTION_CHANGE
    log.info(
      {
        pubkey: `0x${hex}`,
        validatorIndex: m.validator_index.toString(),
        toExecutionAddress: m.to_execution_address.toLowerCase(),
      },
      'signed a BLS_TO_EXECUTION_CHANGE',
    )
  } else if (req.type === 'DEPOSIT') {
    const d = req.deposit
    log.info(
      {
        pubkey: `0x${hex}`,
        depositPubkey: d.pubkey.toLowerCase(),
        amountGwei: d.amount.toString(),
        withdrawalCredentials: d.withdrawal_credentials.toLowerCase(),
        genesisForkVersion: d.genesis_fork_version.toLowerCase(),
      },
      'signed a DEPOSIT',
    )
  }
}
