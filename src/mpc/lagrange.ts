/**
 * Lagrange interpolation over a suite's scalar field, at the FROST identifiers x = id + 1 of a participant set:
 * λ_i(x) = Π_{j≠i} (x − x_j) / (x_i − x_j). At x = 0 this is RFC 9591 §4.2 `derive_interpolating_value`.
 * Used to check that verifying shares lie on one polynomial and to weight old shares when resharing.
 */
import type { ScalarField } from './suites.js'
import type { ParticipantId } from './types.js'

export const scalarOf = (id: ParticipantId): bigint => BigInt(id) + 1n

/** λ_i(x) for participant `i` of `set` (distinct ids; `i` in `set`). */
export function lagrangeCoefficient(Fn: ScalarField, set: readonly ParticipantId[], i: ParticipantId, x = 0n): bigint {
  const xi = scalarOf(i)
  let num = 1n
  let den = 1n
  for (const j of set) {
    if (j === i) continue
    const xj = scalarOf(j)
    num = Fn.mul(num, Fn.create(x - xj))
    den = Fn.mul(den, Fn.create(xi - xj))
  }
  return Fn.mul(num, Fn.inv(den))
}
