import { timingSafeEqual } from 'node:crypto'

export { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

/** Constant-time equality for secrets, MACs and digests (length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return timingSafeEqual(a, b)
}

export const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0)

/** Right-pad to `len` bytes with zeros (dstack pad64). */
export function padRight(b: Uint8Array, len: number): Uint8Array {
  if (b.length > len) throw new RangeError(`expected at most ${len} bytes, got ${b.length}`)
  const out = new Uint8Array(len)
  out.set(b)
  return out
}
