/**
 * Signing commitments (RFC 9591 §5.1 round one): a member's public nonce commitments, and the checks every
 * commitment list passes before a member signs or the coordinator aggregates.
 */
import type { NonceCommitments } from '@noble/curves/abstract/frost.js'
import { MpcError } from '../errors.js'
import type { ParticipantId } from '../types.js'
import { internalsOf, type KeyPackage } from './keyPackage.js'

export interface SigningCommitment {
  readonly participant: ParticipantId
  /** hiding nonce commitment D = d·G (FROST point encoding) */
  readonly hiding: Uint8Array
  /** binding nonce commitment E = e·G */
  readonly binding: Uint8Array
}

/**
 * The commitment list in noble's form, ascending by participant. Checks t ≤ size ≤ n, members of `pkg` only,
 * no duplicates, point fields of the scheme's length (point validity is checked by noble when used, and by
 * `findBadCommitments` to name who sent a bad one). Throws MPC_BAD_COMMITMENTS.
 */
export function toNobleCommitments(pkg: KeyPackage, list: readonly SigningCommitment[]): NonceCommitments[] {
  const { suite, identifiers } = internalsOf(pkg)
  if (!Array.isArray(list) || list.length < pkg.threshold || list.length > pkg.participants.length)
    throw new MpcError(
      'MPC_BAD_COMMITMENTS',
      `a signing set has between ${pkg.threshold} and ${pkg.participants.length} members`,
      { size: Array.isArray(list) ? list.length : 0, threshold: pkg.threshold },
    )
  const seen = new Set<ParticipantId>()
  const out: NonceCommitments[] = []
  for (const c of [...list].sort((a, b) => a.participant - b.participant)) {
    const identifier = identifiers.get(c.participant)
    if (identifier === undefined)
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
    out.push({ identifier, hiding: c.hiding, binding: c.binding })
  }
  return out
}

/** Participants whose commitment points do not decode to valid group elements (the coordinator's failure path). */
export function findBadCommitments(pkg: KeyPackage, list: readonly SigningCommitment[]): ParticipantId[] {
  const { suite } = internalsOf(pkg)
  const bad: ParticipantId[] = []
  for (const c of list) {
    try {
      suite.decodePoint(c.hiding, 'hiding')
      suite.decodePoint(c.binding, 'binding')
    } catch {
      bad.push(c.participant)
    }
  }
  return bad.sort((a, b) => a - b)
}
