import { equalBytes } from '../../crypto/index.js'
import { SlashingError } from './errors.js'
import type { SlashingRepository } from './repository.js'
import type { SignOutcome, SlashingStrategy } from './types.js'

/**
 * Decide whether a block proposal at `slot` with `signingRoot` may be signed for validator `vid`; throws
 * SlashingError if not. Does not write. Must run inside the caller's write transaction, followed by the insert.
 * Order (Lodestar): same slot (double proposal / same data), then the low watermark.
 */
export function checkBlock(
  repo: SlashingRepository,
  vid: number,
  strategy: SlashingStrategy,
  slot: bigint,
  signingRoot: Uint8Array,
): SignOutcome {
  const meta = { slot: slot.toString() }
  const prev = repo.blockRootAt(vid, slot)
  if (strategy === 'complete') {
    if (prev !== undefined) {
      if (prev !== null && equalBytes(prev, signingRoot)) return 'same_data'
      throw new SlashingError(
        'SIGNER_SLASHABLE_DOUBLE_BLOCK',
        'a different block (or one with an unknown signing root) was already signed at this slot',
        meta,
      )
    }
    const { minBlockSlot } = repo.lowWatermarks(vid)
    if (minBlockSlot !== null && slot <= minBlockSlot) {
      throw new SlashingError(
        'SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK',
        'slot is at or below the lowest imported slot for this key (EIP-3076 condition 2)',
        { ...meta, watermark: minBlockSlot.toString() },
      )
    }
    return 'recorded'
  }
  // minimal: only the highest recorded slot counts; no re-signing
  const max = repo.maxBlockSlot(vid)
  if (max !== null && slot <= max) {
    if (prev !== undefined && (prev === null || !equalBytes(prev, signingRoot))) {
      throw new SlashingError(
        'SIGNER_SLASHABLE_DOUBLE_BLOCK',
        'a different block was already signed at this slot',
        meta,
      )
    }
    throw new SlashingError(
      'SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK',
      'slot is not above the highest slot signed or imported for this key (minimal strategy)',
      { ...meta, watermark: max.toString() },
    )
  }
  return 'recorded'
}
