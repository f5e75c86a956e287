/**
 * A node that a later epoch no longer lists (near-mpc.md §4.3: the leaver's shares must never be used again).
 * Its shares of earlier epochs are erased, but only when this is unmistakably an epoch change: the committee is
 * at a later epoch than every share the node holds and lists neither this participant id nor this node key.
 * A committee of the same epoch that misses the node is a configuration error, not a departure: nothing is
 * erased, and the caller refuses to start.
 */
import { equalBytes } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import type { CommitteeStore } from '../../store/index.js'
import type { ParticipantId } from '../types.js'
import type { Committee } from './committeeFile.js'

export type LeaveOutcome =
  /** a member of this epoch: nothing to do */
  | { kind: 'member' }
  /** not listed, and the shares it held were all of earlier epochs: erased */
  | { kind: 'left'; erasedEpochs: bigint[]; erasedShares: number }
  /** not listed, but nothing shows an epoch change (same epoch, or a share of this epoch or later): kept */
  | { kind: 'not-listed'; reason: string }

export function leaveCommittee(
  store: CommitteeStore,
  committee: Committee,
  me: ParticipantId,
  nodeKey: Uint8Array,
  logger: Logger = nullLogger,
): LeaveOutcome {
  if (committee.participants.some((p) => p.id === me)) return { kind: 'member' }
  if (committee.participants.some((p) => equalBytes(p.nodeKey, nodeKey)))
    return { kind: 'not-listed', reason: `this node key is listed under another participant id than ${me}` }
  const held = store.shares.epochs()
  const state = store.epochs.get()
  const latest = [...held, ...(state ? [state.epoch] : [])].reduce<bigint | undefined>(
    (a, b) => (a === undefined || b > a ? b : a),
    undefined,
  )
  if (latest === undefined) return { kind: 'not-listed', reason: 'this node holds no committee state' }
  if (latest >= committee.epoch)
    return {
      kind: 'not-listed',
      reason: `this node's committee state is at epoch ${latest}, not before the committee's epoch ${committee.epoch}`,
    }
  let erasedShares = 0
  for (const e of held) erasedShares += store.shares.eraseEpoch(e)
  logger.warn(
    { epoch: String(committee.epoch), erasedEpochs: held.map(String), erasedShares },
    'this node is not a member of the new epoch: its key shares of earlier epochs are erased',
  )
  return { kind: 'left', erasedEpochs: held, erasedShares }
}
