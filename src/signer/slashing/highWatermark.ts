import { SlashingError } from './errors.js'
import type { SlashingRepository } from './repository.js'
import type { HighWatermark } from './types.js'

/**
 * The high watermark as Web3Signer enforces it (slashing-protection BlockValidator.isAtOrBeyondHighWatermark and
 * AttestationValidator.hasEpochAtOrBeyondHighWatermark): a ceiling for all keys, used to stop a signer from signing
 * anything at or past a point (e.g. before its keys move to another signer, or after a clock went wrong). Both
 * checks run inside the caller's check-and-record transaction, so a watermark set from another connection is seen
 * by the very next commit.
 */
export function checkBlockBelowHighWatermark(repo: SlashingRepository, slot: bigint): void {
  const hw = repo.highWatermark()
  if (hw && slot >= hw.slot) {
    throw new SlashingError(
      'SIGNER_SLASHABLE_BEYOND_HIGH_WATERMARK',
      'block slot is at or beyond the high watermark set for this signer',
      { slot: slot.toString(), highWatermarkSlot: hw.slot.toString() },
    )
  }
}

export function checkAttestationBelowHighWatermark(repo: SlashingRepository, source: bigint, target: bigint): void {
  const hw = repo.highWatermark()
  if (hw && (source >= hw.epoch || target >= hw.epoch)) {
    throw new SlashingError(
      'SIGNER_SLASHABLE_BEYOND_HIGH_WATERMARK',
      'attestation source or target epoch is at or beyond the high watermark set for this signer',
      { sourceEpoch: source.toString(), targetEpoch: target.toString(), highWatermarkEpoch: hw.epoch.toString() },
    )
  }
}

/**
 * Refuse a high watermark at or below an imported low watermark (as Web3Signer's check_high_watermarks trigger
 * does): such a key could never sign again, and that is a key removal, not a watermark.
 */
export function assertHighWatermarkAboveLowWatermarks(repo: SlashingRepository, hw: HighWatermark): void {
  const low = repo.maxLowWatermarks()
  if (low.slot !== null && hw.slot <= low.slot) {
    throw new SlashingError(
      'SIGNER_HIGH_WATERMARK_INVALID',
      'high watermark slot must be above every imported low watermark slot',
      { slot: hw.slot.toString(), lowWatermarkSlot: low.slot.toString() },
    )
  }
  if (low.epoch !== null && hw.epoch <= low.epoch) {
    throw new SlashingError(
      'SIGNER_HIGH_WATERMARK_INVALID',
      'high watermark epoch must be above every imported low watermark epoch',
      { epoch: hw.epoch.toString(), lowWatermarkEpoch: low.epoch.toString() },
    )
  }
}
