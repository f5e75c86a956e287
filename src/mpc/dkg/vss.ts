/**
 * Verifiable-secret-sharing checks around noble's DKG, one dealer at a time so that a failure names that
 * dealer: the round-1 package (commitment size, points, proof of knowledge, and for a resharing the pinned
 * constant term) and a received share against its dealer's commitment (noble `validateSecret`, RFC 9591
 * Appendix C.2 vss_verify).
 */
import type { DKG_Round1 } from '@noble/curves/abstract/frost.js'
import { equalBytes } from '../../crypto/index.js'
import type { GroupPoint, Suite } from '../suites.js'
import type { ParticipantId } from '../types.js'
import type { Round1Message } from './messages.js'

export const toNobleRound1 = (suite: Suite, m: Round1Message): DKG_Round1 =>
  ({
    identifier: suite.identifier(m.dealer),
    commitment: m.commitment,
    proofOfKnowledge: m.proofOfKnowledge,
  }) as DKG_Round1

// Identifiers no committee member has (member ids are u32, so their scalars are ≤ 2^32) for the checker below.
const CHECKER_ID = 2 ** 40
const constantRng = (n = 32) => new Uint8Array(n).fill(7)
/** public, valid round-1 packages that pad the checker's transcript to t − 1 packages, per (scheme, t) */
const PADS = new Map<string, DKG_Round1[]>()

function padsFor(suite: Suite, t: number): DKG_Round1[] {
  const key = `${suite.scheme}/${t}`
  let pads = PADS.get(key)
  if (!pads) {
    const { DKG, Identifier } = suite.frost
    pads = Array.from({ length: t - 2 }, (_, k) => {
      const r = DKG.round1(Identifier.fromNumber(CHECKER_ID + 1 + k), { min: t, max: t }, undefined, constantRng)
      DKG.clean(r.secret)
      return r.public
    })
    PADS.set(key, pads)
  }
  return pads
}

/**
 * The dealer's round-1 package is acceptable: t commitment points, all valid group elements, and
 * - for a fresh key, a valid proof of knowledge of the constant term, checked by noble itself: DKG round2 of a
 *   throwaway checker whose transcript is this package plus valid padding packages, so a refusal can only be
 *   this package's fault;
 * - for a resharing, C(0) equal to the plan's λ_i·Y_i. The proof is not needed there: it exists to stop a
 *   dealer from choosing its constant term after seeing the others' (rogue key), and a resharing dealer's
 *   constant is fixed by public data.
 */
export function round1IsValid(suite: Suite, t: number, m: Round1Message, expectedConstant?: Uint8Array): boolean {
  if (m.commitment.length !== t) return false
  try {
    for (const [k, p] of m.commitment.entries()) suite.decodePoint(p, `commitment[${k}]`)
    if (expectedConstant)
      return equalBytes(suite.encodePoint(suite.decodePoint(m.commitment[0]!, 'c0')), expectedConstant)
    const { DKG, Identifier } = suite.frost
    const checker = DKG.round1(Identifier.fromNumber(CHECKER_ID), { min: t, max: t }, undefined, constantRng)
    try {
      DKG.round2(checker.secret, [toNobleRound1(suite, m), ...padsFor(suite, t)])
    } finally {
      DKG.clean(checker.secret)
    }
    return true
  } catch {
    return false
  }
}

/** `share` is f_dealer(receiver) for the dealer's commitment (noble validateSecret). */
export function shareIsValid(
  suite: Suite,
  signers: { min: number; max: number },
  receiver: ParticipantId,
  share: Uint8Array,
  commitment: readonly Uint8Array[],
): boolean {
  try {
    suite.frost.validateSecret(
      { identifier: suite.identifier(receiver), signingShare: share },
      { signers, commitments: [...commitment], verifyingShares: {} },
    )
    return true
  } catch {
    return false
  }
}

/** f(x) for coefficients [a_0, …, a_{t-1}] (Horner, in the scalar field). */
export function evaluatePolynomial(suite: Suite, coefficients: readonly bigint[], x: bigint): bigint {
  let acc = 0n
  for (let i = coefficients.length - 1; i >= 0; i--) acc = suite.Fn.add(suite.Fn.mul(acc, x), coefficients[i]!)
  return acc
}

/** Σ_k x^k·C[k] (public points; variable time is fine). */
export function evaluateCommitment(suite: Suite, commitment: readonly GroupPoint[], x: bigint): GroupPoint {
  let acc: GroupPoint | undefined
  let power = 1n
  for (const c of commitment) {
    const term = c.multiplyUnsafe(power)
    acc = acc ? acc.add(term) : term
    power = suite.Fn.mul(power, x)
  }
  return acc!
}
