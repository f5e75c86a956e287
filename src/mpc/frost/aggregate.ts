/**
 * Coordinator (RFC 9591 §5.3 `aggregate`): the signature from t..n shares. The shares are summed and the
 * AGGREGATE signature is verified against the (derived) group key before it is returned; individual shares
 * are verified (RFC 9591 §5.4, noble `verifyShare`) only when that fails, to name the members who sent bad
 * shares (or bad commitments). The happy path never pays for per-share checks.
 *
 * Like signShare.ts, the happy path is computed here over points decoded once (key package, derived package,
 * pointCache.ts) instead of through noble's `aggregate`, which re-decodes and re-validates the group key and
 * every commitment on each call; in the coordinator's process the signing context (R, binding factors,
 * challenge) is usually already cached by its own signShare. The result is byte-identical to noble's
 * `aggregate` (equivalence.test.ts), including the check it makes (noble `Basic.verify`):
 * z·G − c·PK − R = 0, cofactored for Ed25519, with R and PK as their even-Y points for Bip340.
 */
import { MpcError } from '../errors.js'
import type { GroupPoint, Suite } from '../suites.js'
import type { ParticipantId } from '../types.js'
import { adjustPoint, ciphersuiteOf } from './ciphersuite.js'
import {
  findBadCommitments,
  type SigningCommitment,
  signingEntries,
  sortedCommitments,
  toNobleCommitments,
} from './commitments.js'
import { type DerivedPackage, derivedPackage } from './derivedPackage.js'
import { internalsOf, type KeyPackage } from './keyPackage.js'
import { signingContext } from './signingContext.js'

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
  const sorted = sortedCommitments(pkg, commitments)
  if (!(shares instanceof Map) || shares.size !== sorted.length || sorted.some((c) => !shares.has(c.participant)))
    throw new MpcError('MPC_BAD_INPUT', 'shares must hold exactly one share per commitment in the signing set', {
      field: 'shares',
    })
  // a share that is not a canonical scalar is that member's fault: no curve work needed to say so
  const scalars = new Map<ParticipantId, bigint>()
  const malformed: ParticipantId[] = []
  for (const { participant } of sorted) {
    const s = shares.get(participant)!
    try {
      if (!(s instanceof Uint8Array) || s.length !== suite.scalarLength) throw new RangeError('share length')
      scalars.set(participant, suite.Fn.fromBytes(s))
    } catch {
      malformed.push(participant)
    }
  }
  if (malformed.length > 0) return { ok: false, badParticipants: malformed }
  const d = derivedPackage(pkg, tweak)
  const signature = verifiedSignature(pkg, suite, d, sorted, message, scalars)
  if (signature) return { ok: true, signature }
  // failure path: name who sent a bad commitment, else whose share does not verify
  const badCommitments = findBadCommitments(pkg, sorted)
  if (badCommitments.length > 0) return { ok: false, badParticipants: badCommitments }
  const list = toNobleCommitments(pkg, sorted)
  const bad = sorted
    .map((c) => c.participant)
    .filter((id) => {
      try {
        return !suite.frost.verifyShare(d.pub, list, message, identifiers.get(id)!, shares.get(id)!)
      } catch {
        return true
      }
    })
  return { ok: false, badParticipants: bad }
}

/** RFC 9591 §5.3: z = Σ z_i and the signature (R, z), if it verifies under the derived key; else undefined. */
function verifiedSignature(
  pkg: KeyPackage,
  suite: Suite,
  d: DerivedPackage,
  sorted: readonly SigningCommitment[],
  message: Uint8Array,
  scalars: ReadonlyMap<ParticipantId, bigint>,
): Uint8Array | undefined {
  const cs = ciphersuiteOf(suite.scheme)
  let ctx: ReturnType<typeof signingContext>
  try {
    ctx = signingContext(suite, cs, d.groupKey, d.groupPoint, signingEntries(pkg, sorted), message)
  } catch {
    return undefined
  }
  let z = 0n
  for (const { participant } of sorted) z = suite.Fn.add(z, scalars.get(participant)!)
  // noble Basic.verify: adjusted R and PK (Bip340 even Y; the x-only challenge is ctx.challenge either way)
  const R = adjustPoint(cs, ctx.R)
  const PK = adjustPoint(cs, d.groupPoint)
  let check: GroupPoint = suite.BASE.multiplyUnsafe(z).subtract(PK.multiplyUnsafe(ctx.challenge)).subtract(R)
  // cofactored check for Ed25519 (noble clearCofactor: ·8); every point here is in the prime-order group anyway
  if (suite.scheme === 'Ed25519') for (let i = 0; i < 3; i++) check = check.add(check)
  return check.is0() ? cs.encodeSignature(ctx.R, z) : undefined
}
