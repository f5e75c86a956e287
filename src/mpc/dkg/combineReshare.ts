/**
 * A new member's key after a resharing DKG: its share is the sum of the shares the dealers sent it, the new
 * VSS commitment is the sum of the dealers' commitments, whose constant term must be the unchanged group
 * key, and every member's verifying share is that commitment evaluated at its identifier.
 */
import { equalBytes } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import { scalarOf } from '../lagrange.js'
import type { GroupPoint, Suite } from '../suites.js'
import type { ParticipantId } from '../types.js'
import { evaluateCommitment } from './vss.js'

export function combineReshare(
  suite: Suite,
  threshold: number,
  ids: readonly ParticipantId[],
  commitments: ReadonlyArray<readonly Uint8Array[]>,
  shares: readonly Uint8Array[],
  groupPublicKey: Uint8Array,
): { verifyingShares: Map<ParticipantId, Uint8Array>; share: Uint8Array } {
  let share = 0n
  for (const s of shares) share = suite.Fn.add(share, suite.Fn.fromBytes(s))
  const merged: GroupPoint[] = []
  for (const commitment of commitments)
    for (const [k, bytes] of commitment.entries()) {
      const p = suite.decodePoint(bytes, `commitment[${k}]`)
      merged[k] = merged[k] ? merged[k]!.add(p) : p
    }
  if (merged.length !== threshold || !equalBytes(suite.encodePoint(merged[0]!), groupPublicKey))
    throw new MpcError('MPC_INTERNAL', 'reshared commitments do not add up to the group key')
  const verifyingShares = new Map(
    ids.map((id) => [id, suite.encodePoint(evaluateCommitment(suite, merged, scalarOf(id)))] as const),
  )
  return { verifyingShares, share: suite.Fn.toBytes(share) }
}
