import { equalBytes, toHex } from '../../crypto/index.js'
import { SlashingError } from './errors.js'
import { type InterchangeV5Json, serializeInterchangeV5 } from './interchangeV5.js'
import type { SlashingRepository } from './repository.js'
import type { ValidatorHistory } from './types.js'

/**
 * Export the full history of the keys bound to `gvr` (all of them, or only `pubkeys`) as an EIP-3076 v5 document,
 * read in one transaction so the snapshot is consistent. A requested key with no history is exported with empty
 * lists; a requested key bound to another genesis_validators_root is an error. Re-importing the result into an
 * empty database reproduces every record; the import's low watermarks then sit at the lowest exported values,
 * which is never less strict than the source database.
 */
export function exportInterchange(
  repo: SlashingRepository,
  gvr: Uint8Array,
  pubkeys?: Uint8Array[],
): InterchangeV5Json {
  const read = repo.db.transaction((): ValidatorHistory[] => {
    const targets: Array<{ id: number | null; pubkey: Uint8Array }> = pubkeys
      ? pubkeys.map((pubkey) => {
          const v = repo.validator(pubkey)
          if (v && !equalBytes(v.gvr, gvr)) {
            throw new SlashingError(
              'SIGNER_SLASHING_GVR_MISMATCH',
              'this key is bound to another genesis_validators_root; export it for its own network',
              { pubkey: `0x${toHex(pubkey)}` },
            )
          }
          return { id: v ? v.id : null, pubkey }
        })
      : repo.validatorsByGvr(gvr)
    return targets.map(({ id, pubkey }) => ({
      pubkey,
      signedBlocks: id === null ? [] : repo.blocks(id),
      signedAttestations: id === null ? [] : repo.attestations(id),
    }))
  })
  return serializeInterchangeV5({ genesisValidatorsRoot: gvr, data: read.deferred() })
}
