import { defineErrors } from '../../errors.js'

/**
 * Slashing-protection errors. Every refusal to sign is 412 Precondition Failed, the status Web3Signer
 * answers when its slashing database refuses a request. Bad arguments are 400; an interchange file that
 * cannot be imported is 400 (Keymanager API: the import is rejected as a whole).
 */
export const SlashingError = defineErrors('SlashingError', {
  /** A block was already recorded at this slot with another (or an unknown) signing root. */
  SIGNER_SLASHABLE_DOUBLE_BLOCK: 412,
  /** Slot at or below the low watermark (minimal: highest recorded slot; complete: lowest imported slot). */
  SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK: 412,
  /** An attestation with the same target epoch was recorded with another (or an unknown) signing root. */
  SIGNER_SLASHABLE_DOUBLE_VOTE: 412,
  /** The new attestation surrounds a recorded one (new.source < old.source and old.target < new.target). */
  SIGNER_SLASHABLE_SURROUNDING: 412,
  /** The new attestation is surrounded by a recorded one (old.source < new.source and new.target < old.target). */
  SIGNER_SLASHABLE_SURROUNDED: 412,
  /** Source epoch below the low watermark (minimal: highest recorded source; complete: lowest imported source). */
  SIGNER_SLASHABLE_SOURCE_BELOW_WATERMARK: 412,
  /** Target epoch at or below the low watermark (minimal: highest recorded target; complete: lowest imported). */
  SIGNER_SLASHABLE_TARGET_BELOW_WATERMARK: 412,
  /** source_epoch > target_epoch: never a valid attestation. */
  SIGNER_SLASHABLE_SOURCE_AFTER_TARGET: 412,
  /**
   * The block slot, or the attestation's source or target epoch, is at or beyond the operator-set high watermark
   * (Web3Signer: only messages strictly below it may be signed).
   */
  SIGNER_SLASHABLE_BEYOND_HIGH_WATERMARK: 412,
  /** A high watermark at or below an imported low watermark would refuse everything; it is not set. */
  SIGNER_HIGH_WATERMARK_INVALID: 400,
  /** The key's history is bound to another genesis_validators_root (another network). */
  SIGNER_SLASHING_GVR_MISMATCH: 412,
  /** Wrong byte length or a value outside u64 passed to the slashing-protection API. */
  SIGNER_SLASHING_BAD_INPUT: 400,
  /** The interchange document does not match EIP-3076 v5 (field path in meta). Nothing was written. */
  SIGNER_INTERCHANGE_INVALID: 400,
  /** The interchange is for another genesis_validators_root than expected. Nothing was written. */
  SIGNER_INTERCHANGE_GVR_MISMATCH: 400,
})
export type SlashingError = InstanceType<typeof SlashingError>
export type SlashingErrorCode = SlashingError['code']
