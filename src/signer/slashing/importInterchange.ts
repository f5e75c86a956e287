import { equalBytes, toHex } from '../../crypto/index.js'
import { SlashingError } from './errors.js'
import { parseInterchangeV5 } from './interchangeV5.js'
import type { SlashingRepository } from './repository.js'
import type { ImportSummary, LowWatermarks } from './types.js'

const min = (a: bigint | null, b: bigint): bigint => (a === null || b < a ? b : a)

/**
 * Import an EIP-3076 v5 interchange for `expectedGvr`. Validates the whole document first, then writes everything
 * in ONE immediate transaction: on any error (schema, GVR of the file or of an already-known key) nothing is
 * written.
 *
 * Slashable data (`contains_slashable_data`) is imported, not refused, and worked around so that every later check
 * is at least as strict as the data demands:
 * - every record is kept (both strategies read maxima from the same rows, so minimal's "merge by max" holds);
 * - the same slot (or the same source+target) imported with different roots, or with a root missing on either side,
 *   is stored with a NULL root, which makes any new message there a double proposal / double vote;
 * - several attestations for one target (a double vote in the file) are all kept, so none can be re-signed;
 * - surrounding / surrounded pairs and source > target records are kept as they are: they only add refusals;
 * - low watermarks (EIP-3076 conditions 2, 4, 5) are lowered to the minimum imported slot, source and target.
 */
export function importInterchange(repo: SlashingRepository, input: unknown, expectedGvr: Uint8Array): ImportSummary {
  const interchange = parseInterchangeV5(input)
  if (!equalBytes(interchange.genesisValidatorsRoot, expectedGvr)) {
    throw new SlashingError(
      'SIGNER_INTERCHANGE_GVR_MISMATCH',
      'interchange genesis_validators_root differs from this network; export from the right network and retry',
      { expected: `0x${toHex(expectedGvr)}`, got: `0x${toHex(interchange.genesisValidatorsRoot)}` },
    )
  }
  const run = repo.db.transaction((): ImportSummary => {
    const summary: ImportSummary = { validators: 0, blocks: 0, attestations: 0 }
    const seen = new Set<number>()
    for (const v of interchange.data) {
      const known = repo.validator(v.pubkey)
      if (known && !equalBytes(known.gvr, expectedGvr)) {
        throw new SlashingError(
          'SIGNER_INTERCHANGE_GVR_MISMATCH',
          'a key in the interchange is bound to another genesis_validators_root in this database; nothing was imported',
          { pubkey: `0x${toHex(v.pubkey)}` },
        )
      }
      const vid = known ? known.id : repo.insertValidator(v.pubkey, expectedGvr)
      if (!seen.has(vid)) summary.validators++
      seen.add(vid)
      const w: LowWatermarks = { minBlockSlot: null, minSourceEpoch: null, minTargetEpoch: null }
      for (const b of v.signedBlocks) {
        repo.mergeBlock(vid, b.slot, b.signingRoot)
        w.minBlockSlot = min(w.minBlockSlot, b.slot)
      }
      for (const a of v.signedAttestations) {
        repo.mergeAttestation(vid, a.sourceEpoch, a.targetEpoch, a.signingRoot)
        w.minSourceEpoch = min(w.minSourceEpoch, a.sourceEpoch)
        w.minTargetEpoch = min(w.minTargetEpoch, a.targetEpoch)
      }
      if (w.minBlockSlot !== null || w.minSourceEpoch !== null) repo.lowerWatermarks(vid, w)
      summary.blocks += v.signedBlocks.length
      summary.attestations += v.signedAttestations.length
    }
    return summary
  })
  return run.immediate()
}
