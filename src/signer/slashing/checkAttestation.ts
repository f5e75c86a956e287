import { equalBytes } from '../../crypto/index.js'
import { SlashingError } from './errors.js'
import type { SlashingRepository } from './repository.js'
import type { SignOutcome, SlashingStrategy } from './types.js'

/**
 * Decide whether an attestation (source, target, signingRoot) may be signed for validator `vid`; throws
 * SlashingError if not. Does not write. Must run inside the caller's write transaction, followed by the insert.
 * Order (Lodestar `checkAttestation`): source > target, double vote (identical data = same data), surround
 * (both directions, as in the consensus spec's is_slashable_attestation_data), then the low watermarks.
 */
export function checkAttestation(
  repo: SlashingRepository,
  vid: number,
  strategy: SlashingStrategy,
  source: bigint,
  target: bigint,
  signingRoot: Uint8Array,
): SignOutcome {
  const meta = { sourceEpoch: source.toString(), targetEpoch: target.toString() }
  if (source > target) {
    throw new SlashingError('SIGNER_SLASHABLE_SOURCE_AFTER_TARGET', 'source epoch is after target epoch', meta)
  }

  // Double vote. Several rows can share a target only after importing slashable data; all must match.
  const sameTarget = repo.attestationsAtTarget(vid, target)
  const conflicting = sameTarget.some(
    (a) => a.sourceEpoch !== source || a.signingRoot === null || !equalBytes(a.signingRoot, signingRoot),
  )
  if (conflicting) {
    throw new SlashingError(
      'SIGNER_SLASHABLE_DOUBLE_VOTE',
      'a different attestation (or one with an unknown signing root) was already signed for this target epoch',
      meta,
    )
  }

  if (strategy === 'minimal') {
    // Only the highest recorded source and target count; identical data is refused too.
    const maxSource = repo.maxSourceEpoch(vid)
    if (maxSource !== null && source < maxSource) {
      throw new SlashingError(
        'SIGNER_SLASHABLE_SOURCE_BELOW_WATERMARK',
        'source epoch is below the highest source signed or imported for this key (minimal strategy)',
        { ...meta, watermark: maxSource.toString() },
      )
    }
    const maxTarget = repo.maxTargetEpoch(vid)
    if (maxTarget !== null && target <= maxTarget) {
      throw new SlashingError(
        'SIGNER_SLASHABLE_TARGET_BELOW_WATERMARK',
        'target epoch is not above the highest target signed or imported for this key (minimal strategy)',
        { ...meta, watermark: maxTarget.toString() },
      )
    }
    return 'recorded'
  }

  if (sameTarget.length > 0) return 'same_data'

  const surrounded = repo.findSurroundedBy(vid, source, target)
  if (surrounded) {
    throw new SlashingError('SIGNER_SLASHABLE_SURROUNDING', 'this attestation would surround one already signed', {
      ...meta,
      prevSourceEpoch: surrounded.sourceEpoch.toString(),
      prevTargetEpoch: surrounded.targetEpoch.toString(),
    })
  }
  const surrounding = repo.findSurrounding(vid, source, target)
  if (surrounding) {
    throw new SlashingError('SIGNER_SLASHABLE_SURROUNDED', 'this attestation is surrounded by one already signed', {
      ...meta,
      prevSourceEpoch: surrounding.sourceEpoch.toString(),
      prevTargetEpoch: surrounding.targetEpoch.toString(),
    })
  }

  const w = repo.lowWatermarks(vid)
  if (w.minSourceEpoch !== null && source < w.minSourceEpoch) {
    throw new SlashingError(
      'SIGNER_SLASHABLE_SOURCE_BELOW_WATERMARK',
      'source epoch is below the lowest imported source for this key (EIP-3076 condition 4)',
      { ...meta, watermark: w.minSourceEpoch.toString() },
    )
  }
  if (w.minTargetEpoch !== null && target <= w.minTargetEpoch) {
    throw new SlashingError(
      'SIGNER_SLASHABLE_TARGET_BELOW_WATERMARK',
      'target epoch is at or below the lowest imported target for this key (EIP-3076 condition 5)',
      { ...meta, watermark: w.minTargetEpoch.toString() },
    )
  }
  return 'recorded'
}
