/**
 * Signing commitments (RFC 9591 §5.1 round one): a member's public nonce commitments, and the checks every
 * commitment list passes before a member signs or the coordinator aggregates.
 */
import type { NonceCommitments } from '@noble/curves/abstract/frost.js'
import type { TArg } from '@noble/curves/utils.js'
import { MpcError } from '../errors.js'
import type { ParticipantId } from '../types.js'
import { internalsOf, type KeyPackage } from './keyPackage.js'
import { commitmentPoint } from './pointCache.js'
import type { SigningEntry } from './signingContext.js'

export interface SigningCommitment {
  readonly participant: ParticipantId
  /** hiding nonce commitment D = d·G (FROST point encoding) */
  readonly hiding: Uint8Array
  /** binding nonce commitment E = e·G */
  readonly binding: Uint8Array
}

/**
 * The commitment list ascending by participant. Checks t ≤ size ≤ n, members of `pkg` only, no duplicates,
 * point fields of the scheme's length (point validity is checked by `signingEntries` when used, and by
 * `findBadCommitments` to name who sent a bad one). Throws MPC_BAD_COMMITMENTS.
 */
export function sortedCommitments(pkg: KeyPackage, list: readonly SigningCommitment[]): SigningCommitment[] {
  const { suite, identifiers } = internalsOf(pkg)
  if (!Array.isArray(list) || list.length < pkg.threshold || list.length > pkg.participants.length)
    throw new MpcError(
      'MPC_BAD_COMMITMENTS',
      `a signing set has between ${pkg.threshold} and ${pkg.participants.length} members`,
      { size: Array.isArray(list) ? list.length : 0, threshold: pkg.threshold },
    )
  const seen = new Set<ParticipantId>()
  const out: SigningCommitment[] = []
  for (const c of [...list].sort((a, b) => a.participant - b.participant)) {
    if (!identifiers.has(c.participant))
      throw new MpcError('MPC_BAD_COMMITMENTS', `participant ${c.participant} is not a member of this key`, {
        participant: c.participant,
      })
    if (seen.has(c.participant))
      throw new MpcError('MPC_BAD_COMMITMENTS', `two commitments from participant ${c.participant}`, {
        participant: c.participant,
      })
    seen.add(c.participant)
    for (const f of ['hiding', 'binding'] as const)
      if (!(c[f] instanceof Uint8Array) || c[f].length !== suite.pointLength)
        throw new MpcError(
          'MPC_BAD_COMMITMENTS',
          `commitment ${f} of participant ${c.participant} has the wrong length`,
          {
            participant: c.participant,
            length: c[f]?.length ?? 0,
          },
        )
    out.push(c)
  }
  return out
}

/** The commitment list in noble's form (for noble's verifyShare), ascending; same checks as sortedCommitments. */
export function toNobleCommitments(pkg: KeyPackage, list: readonly SigningCommitment[]): TArg<NonceCommitments[]> {
  const { identifiers } = internalsOf(pkg)
  return sortedCommitments(pkg, list).map((c) => ({
    identifier: identifiers.get(c.participant)!,
    hiding: c.hiding,
    binding: c.binding,
  }))
}

/**
 * A sorted list (from `sortedCommitments`) with every point decoded and validated, once per process
 * (pointCache.ts). Throws MPC_BAD_COMMITMENTS naming the first participant whose point is not a group element.
 */
export function signingEntries(pkg: KeyPackage, sorted: readonly SigningCommitment[]): SigningEntry[] {
  const { suite } = internalsOf(pkg)
  return sorted.map((c) => ({
    participant: c.participant,
    hiding: commitmentPoint(suite, c.hiding, c.participant, 'hiding'),
    binding: commitmentPoint(suite, c.binding, c.participant, 'binding'),
  }))
}

/** Participants whose commitment points do not decode to valid group elements (the coordinator's failure path). */
export function findBadCommitments(pkg: KeyPackage, list: readonly SigningCommitment[]): ParticipantId[] {
  const { suite } = internalsOf(pkg)
  const bad: ParticipantId[] = []
  for (const c of list) {
    try {
      commitmentPoint(suite, c.hiding, c.participant, 'hiding')
      commitmentPoint(suite, c.binding, c.participant, 'binding')
    } catch {
      bad.push(c.participant)
    }
  }
  return bad.sort((a, b) => a - b)
}
