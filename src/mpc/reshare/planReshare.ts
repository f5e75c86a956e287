/**
 * Resharing and refresh (near-mpc.md §4.3): the new participant set runs a DKG in which only old members that
 * stay ("dealers", I ⊆ old ∩ new, |I| ≥ old t) deal, each with constant term λ_i(I)·s_i instead of a random
 * secret; joiners deal nothing and only receive. Σ_i λ_i(I)·s_i = s, so the group key — and every derived
 * key and address — is unchanged, while every new share is a fresh point on a fresh polynomial of the new
 * degree (the threshold may change). A refresh is the same with the same set and threshold: every share
 * changes, the key does not, and shares of the old epoch no longer combine with new ones.
 *
 * Everyone can compute the plan from public data (the old epoch's key package), including what each
 * dealer's first commitment must be: C_i(0) = λ_i·Y_i. The DKG session checks that equality, which pins each
 * dealer's constant to its old verifying share (a dealer cannot shift the key).
 */
import { SecretBytes } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import { internalsOf, type KeyPackage, type KeyShare } from '../frost/keyPackage.js'
import { lagrangeCoefficient } from '../lagrange.js'
import { assertParticipantId } from '../suites.js'
import type { ParticipantId, SchemeId } from '../types.js'

export interface ResharePlan {
  readonly scheme: SchemeId
  readonly oldThreshold: number
  readonly newThreshold: number
  /** the new set, ascending */
  readonly newParticipants: readonly ParticipantId[]
  /** old members that deal, ascending */
  readonly dealers: readonly ParticipantId[]
  /** unchanged group key (FROST encoding) */
  readonly groupPublicKey: Uint8Array
  /** what each dealer's C_i(0) must be: λ_i·Y_i (FROST encoding) */
  readonly dealerConstants: ReadonlyMap<ParticipantId, Uint8Array>
}

export interface PlanReshareParameters {
  participants: readonly ParticipantId[]
  threshold: number
  /** default: every old member that is in the new set */
  dealers?: readonly ParticipantId[]
}

const ascending = (ids: Iterable<ParticipantId>) => [...ids].sort((a, b) => a - b)

export function planReshare(old: KeyPackage, params: PlanReshareParameters): ResharePlan {
  const { suite, sharePoints } = internalsOf(old)
  const newParticipants = ascending(new Set(params.participants))
  for (const id of newParticipants) assertParticipantId(id, 'participants')
  if (newParticipants.length !== params.participants.length)
    throw new MpcError('MPC_BAD_RESHARE_PLAN', 'duplicate participant in the new set')
  const t = params.threshold
  if (!Number.isInteger(t) || t < 2 || t > newParticipants.length)
    throw new MpcError('MPC_BAD_RESHARE_PLAN', `the new threshold must be 2..${newParticipants.length}`, {
      threshold: t,
    })
  const staying = newParticipants.filter((id) => sharePoints.has(id))
  const dealers = ascending(new Set(params.dealers ?? staying))
  for (const d of dealers)
    if (!staying.includes(d))
      throw new MpcError('MPC_BAD_RESHARE_PLAN', `dealer ${d} must be an old member that stays in the new set`, {
        participant: d,
      })
  if (dealers.length < old.threshold)
    throw new MpcError(
      'MPC_BAD_RESHARE_PLAN',
      `resharing needs at least ${old.threshold} old members in the new set (the old threshold), has ${dealers.length}`,
      { required: old.threshold, dealers: dealers.length },
    )
  const dealerConstants = new Map(
    dealers.map(
      (d) =>
        [
          d,
          suite.encodePoint(sharePoints.get(d)!.multiplyUnsafe(lagrangeCoefficient(suite.Fn, dealers, d, 0n))),
        ] as const,
    ),
  )
  return Object.freeze({
    scheme: old.scheme,
    oldThreshold: old.threshold,
    newThreshold: t,
    newParticipants: Object.freeze(newParticipants),
    dealers: Object.freeze(dealers),
    groupPublicKey: old.groupPublicKey,
    dealerConstants,
  })
}

/** Refresh: the same members and threshold deal again; the key stays, every share changes. */
export function planRefresh(old: KeyPackage): ResharePlan {
  return planReshare(old, { participants: old.participants, threshold: old.threshold })
}

/** A dealer's initial secret for the resharing DKG: λ_i(I)·s_i (32 bytes, scheme byte order). */
export function reshareSecret(share: KeyShare, plan: ResharePlan): SecretBytes {
  const { suite } = internalsOf(share.package)
  if (share.package.scheme !== plan.scheme || share.package.groupPublicKey.some((b, i) => b !== plan.groupPublicKey[i]))
    throw new MpcError('MPC_BAD_RESHARE_PLAN', 'the share belongs to another key than the plan')
  if (!plan.dealers.includes(share.participant))
    throw new MpcError('MPC_NOT_PARTICIPANT', `participant ${share.participant} is not a dealer of this resharing`, {
      participant: share.participant,
    })
  const s = suite.Fn.fromBytes(share.signingShare.expose())
  return new SecretBytes(
    suite.Fn.toBytes(suite.Fn.mul(lagrangeCoefficient(suite.Fn, plan.dealers, share.participant, 0n), s)),
  )
}
