/**
 * Coordinator (RFC 9591 §5.3 `aggregate`): the signature from t..n shares, via noble's `aggregate`, which
 * sums the shares and verifies the AGGREGATE signature against the (derived) group key before returning it.
 * Individual shares are verified (RFC 9591 §5.4, noble `verifyShare`) only when that fails, to name the
 * members who sent bad shares (or bad commitments); the happy path never pays for per-share checks.
 */
import { MpcError } from '../errors.js'
import type { ParticipantId } from '../types.js'
import { findBadCommitments, type SigningCommitment, toNobleCommitments } from './commitments.js'
import { derivedPackage } from './derivedPackage.js'
import { internalsOf, type KeyPackage } from './keyPackage.js'

export type AggregateResult =
  | { ok: true; signature: Uint8Array }
  /** `badParticipants` ascending; empty only if no single share or commitment can be blamed */
  | { ok: false; badParticipants: ParticipantId[] }

export function aggregate(
  pkg: KeyPackage,
  commitments: readonly SigningCommitment[],
  message: Uint8Array,
  shares: ReadonlyMap<ParticipantId, Uint8Array>,
  tweak?: Uint8Array,
): AggregateResult {
  const { suite, identifiers } = internalsOf(pkg)
  if (!(message instanceof Uint8Array))
    throw new MpcError('MPC_BAD_INPUT', 'message must be bytes', { field: 'message' })
  const list = toNobleCommitments(pkg, commitments)
  if (!(shares instanceof Map) || shares.size !== list.length || commitments.some((c) => !shares.has(c.participant)))
    throw new MpcError('MPC_BAD_INPUT', 'shares must hold exactly one share per commitment in the signing set', {
      field: 'shares',
    })
  // a share that is not a canonical scalar is that member's fault: no curve work needed to say so
  const malformed = commitments
    .map((c) => c.participant)
    .filter((id) => {
      const s = shares.get(id)!
      if (!(s instanceof Uint8Array) || s.length !== suite.scalarLength) return true
      try {
        suite.Fn.fromBytes(s)
        return false
      } catch {
        return true
      }
    })
  if (malformed.length > 0) return { ok: false, badParticipants: malformed.sort((a, b) => a - b) }
  const d = derivedPackage(pkg, tweak)
  const byIdentifier = Object.fromEntries(
    commitments.map((c) => [identifiers.get(c.participant)!, shares.get(c.participant)!]),
  )
  try {
    return { ok: true, signature: suite.frost.aggregate(d.pub, list, message, byIdentifier) }
  } catch {
    const badCommitments = findBadCommitments(pkg, commitments)
    if (badCommitments.length > 0) return { ok: false, badParticipants: badCommitments }
    const bad = commitments
      .map((c) => c.participant)
      .filter((id) => {
        try {
          return !suite.frost.verifyShare(d.pub, list, message, identifiers.get(id)!, shares.get(id)!)
        } catch {
          return true
        }
      })
    return { ok: false, badParticipants: bad.sort((a, b) => a - b) }
  }
}
