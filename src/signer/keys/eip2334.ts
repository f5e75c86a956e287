import type { SecretBytes } from '../../crypto/index.js'
import { deriveChildSK, deriveMasterSK } from './eip2333.js'

/**
 * EIP-2334 paths `m / purpose / coin_type / account / use` (purpose 12381, coin type 3600 for Ethereum).
 * The validator signing key is `m/12381/3600/i/0/0`, its withdrawal key `m/12381/3600/i/0`
 * (staking-deposit-cli `credentials.py`). Any EIP-2333 path (`m` then decimal indices < 2^32) is accepted.
 */
export const signingKeyPath = (index: number): string => `m/12381/3600/${index}/0/0`
export const withdrawalKeyPath = (index: number): string => `m/12381/3600/${index}/0`

/** Parse `m/12381/3600/0/0/0` into `[12381, 3600, 0, 0, 0]`. Throws `RangeError` on a malformed path. */
export function parseKeyPath(path: string): number[] {
  const parts = path.split('/')
  if (parts[0] !== 'm') throw new RangeError('key path must start with "m"')
  return parts.slice(1).map((p) => {
    if (!/^(0|[1-9]\d{0,9})$/.test(p)) throw new RangeError('key path components must be decimal integers')
    const n = Number(p)
    if (n > 0xffffffff) throw new RangeError('key path components must be below 2^32')
    return n
  })
}

/** Derive the key at `path` from `seed` (derive_master_SK then derive_child_SK per component). */
export function deriveKeyFromPath(seed: Uint8Array, path: string): SecretBytes {
  const indices = parseKeyPath(path)
  let sk = deriveMasterSK(seed)
  for (const index of indices) {
    const child = deriveChildSK(sk, index)
    sk.wipe()
    sk = child
  }
  return sk
}
