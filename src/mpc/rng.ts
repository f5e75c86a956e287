import type { RNG } from '@noble/curves/abstract/frost.js'
import { MpcError } from './errors.js'
import type { Rng } from './types.js'

/** The caller's rng in noble's shape, checked: a function that returns exactly the bytes asked for. */
export function nobleRng(rng: Rng): RNG {
  if (typeof rng !== 'function') throw new MpcError('MPC_BAD_INPUT', 'rng must be a function', { field: 'rng' })
  return ((length = 32) => {
    const b = rng(length)
    if (!(b instanceof Uint8Array) || b.length !== length)
      throw new MpcError('MPC_BAD_INPUT', `rng returned the wrong number of bytes`, { field: 'rng', expected: length })
    return b
  }) as RNG
}
