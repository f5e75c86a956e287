/**
 * What every member of a signing set and the coordinator compute alike from (group key, commitment list,
 * message): RFC 9591 §4.4 binding factors, §4.5 group commitment R, §4.6 challenge c, as noble's
 * `getGroupCommitment` / `prepareShare` compute them, but over points decoded once (pointCache.ts).
 *
 *   ρ_i = H1(SerializeElement(PK) ‖ H4(m) ‖ H5(Σ SerializeScalar(x_j) ‖ D_j ‖ E_j) ‖ SerializeScalar(x_i))
 *   R   = Σ D_j + ρ_j·E_j
 *   c   = H2(SerializeElement(R) ‖ SerializeElement(PK) ‖ m)   (Bip340: BIP-340 challenge, x-only)
 *
 * The result is cached (small LRU) under that rho prefix, which fixes the key, the message and the exact
 * commitment bytes: the coordinator's aggregate reuses what its own signShare computed for the same session.
 */
import { concatBytes } from '@noble/curves/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MpcError } from '../errors.js'
import { lagrangeCoefficient, scalarOf } from '../lagrange.js'
import type { GroupPoint, Suite } from '../suites.js'
import type { ParticipantId } from '../types.js'
import type { FrostCiphersuite } from './ciphersuite.js'
import type { ValidPoint } from './pointCache.js'

export const CONTEXT_CACHE_SIZE = 256

/** One member of the signing set with its validated commitment points. */
export interface SigningEntry {
  readonly participant: ParticipantId
  readonly hiding: ValidPoint
  readonly binding: ValidPoint
}

export interface SigningContext {
  /** the group commitment R as RFC 9591 §4.5 computes it (Bip340: before the even-Y adjustment) */
  readonly R: GroupPoint
  readonly challenge: bigint
  readonly bindingFactors: ReadonlyMap<ParticipantId, bigint>
  /** participants of the signing set, ascending */
  readonly participants: readonly ParticipantId[]
}

const CACHE = new Map<string, SigningContext>()

/**
 * The signing context for `entries` (ascending by participant, distinct) under the group key `groupPoint`,
 * encoded `groupKey` (the derived key of the session; Bip340: already even Y). Throws MPC_BAD_COMMITMENTS
 * if R is the identity (negligible for honest commitments; noble cannot encode it for secp256k1).
 */
export function signingContext(
  suite: Suite,
  cs: FrostCiphersuite,
  groupKey: Uint8Array,
  groupPoint: GroupPoint,
  entries: readonly SigningEntry[],
  message: Uint8Array,
): SigningContext {
  const { Fn } = suite
  const ids = entries.map((e) => Fn.toBytes(scalarOf(e.participant)))
  const encodedList = concatBytes(...entries.flatMap((e, i) => [ids[i]!, e.hiding.encoded, e.binding.encoded]))
  const rhoPrefix = concatBytes(groupKey, cs.H4(message), cs.H5(encodedList))
  const key = `${suite.scheme}:${bytesToHex(rhoPrefix)}`
  const hit = CACHE.get(key)
  if (hit) {
    CACHE.delete(key)
    CACHE.set(key, hit)
    return hit
  }
  const bindingFactors = new Map<ParticipantId, bigint>()
  const scalars: bigint[] = []
  let hidingSum: GroupPoint | undefined
  entries.forEach((e, i) => {
    const rho = cs.H1(concatBytes(rhoPrefix, ids[i]!))
    bindingFactors.set(e.participant, rho)
    scalars.push(rho)
    hidingSum = hidingSum ? hidingSum.add(e.hiding.point) : e.hiding.point
  })
  const R = hidingSum!.add(
    cs.msm(
      entries.map((e) => e.binding.point),
      scalars,
    ),
  )
  if (R.is0()) throw new MpcError('MPC_BAD_COMMITMENTS', 'the group commitment is the identity')
  const ctx: SigningContext = Object.freeze({
    R,
    challenge: cs.challenge(R, groupPoint, message),
    bindingFactors,
    participants: Object.freeze(entries.map((e) => e.participant)),
  })
  if (CACHE.size >= CONTEXT_CACHE_SIZE) CACHE.delete(CACHE.keys().next().value!)
  CACHE.set(key, ctx)
  return ctx
}

/** Empty the cache (tests, benchmarks that model one process per member). */
export function clearSigningContextCache(): void {
  CACHE.clear()
}

/** RFC 9591 §4.2 derive_interpolating_value: λ_i over the signing set, at x = 0. */
export function lambdaOf(suite: Suite, ctx: SigningContext, participant: ParticipantId): bigint {
  return lagrangeCoefficient(suite.Fn, ctx.participants, participant)
}
