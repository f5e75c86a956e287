import { fromHex, toHex } from '../../crypto/index.js'
import { explain } from '../../errors.js'
import { pubkeyHex } from './pubkeyHex.js'
import { ADMIN_LOCK, type SignerParts } from './signerParts.js'
import type { DeleteResult, DeleteStatus } from './types.js'

/**
 * Keymanager delete: stop signing with each key (waiting for its in-flight request), delete its secret and row,
 * then export the slashing history of the deleted and not_active keys. History is kept, never deleted.
 */
export function deleteKeys(
  parts: Pick<SignerParts, 'network' | 'ring' | 'slashing' | 'locks' | 'log'>,
  pubkeys: string[],
): Promise<DeleteResult> {
  const { ring, log } = parts
  return parts.locks.run(ADMIN_LOCK, async () => {
    const gvr = parts.network.genesisValidatorsRoot
    const withHistory = new Set(parts.slashing.listPubkeys(gvr).map((p) => toHex(p)))
    const data: DeleteStatus[] = []
    const exported: string[] = []
    for (const [i, raw] of pubkeys.entries()) {
      let hex: string
      try {
        hex = pubkeyHex(raw)
      } catch (e) {
        data[i] = { status: 'error', message: explain(e) }
        continue
      }
      // Disable first: once removed from the map under the key's lock, no further signature can be made.
      const removed = await parts.locks.run(hex, () => ring.disable(hex))
      const stored = ring.repo.has(hex)
      if (removed || stored) {
        try {
          ring.removeStored(hex)
        } catch (e) {
          log.error({ pubkey: `0x${hex}`, reason: explain(e) }, 'signer key delete failed')
          data[i] = { status: 'error', message: 'the key was disabled but could not be removed from the store' }
          exported.push(hex)
          continue
        }
        removed?.secretKey.wipe()
        log.info({ pubkey: `0x${hex}` }, 'signer key deleted')
        data[i] = { status: 'deleted' }
        exported.push(hex)
      } else if (withHistory.has(hex)) {
        data[i] = { status: 'not_active' }
        exported.push(hex)
      } else {
        data[i] = { status: 'not_found' }
      }
    }
    const unique = [...new Set(exported)].map((h) => fromHex(h))
    return { data, slashingProtection: parts.slashing.exportInterchange(gvr, unique) }
  })
}
