import type { SecretBytes } from '../../crypto/index.js'
import { getBls } from './blsBackend.js'
import { deriveKeyFromPath, signingKeyPath } from './eip2334.js'

export interface GeneratedBlsKey {
  secretKey: SecretBytes
  /** 48-byte compressed public key. */
  publicKey: Uint8Array
  /** EIP-2334 path the key was derived at (from a seed that is wiped and never leaves this function). */
  path: string
}

/**
 * A fresh validator key generated inside the node: a 32-byte seed from `rng` (the TEE's entropy), EIP-2333
 * master key, then the EIP-2334 signing path `m/12381/3600/{account}/0/0`. The seed is wiped afterwards, so the
 * key exists only where it is sealed.
 */
export function generateBlsKey(rng: (length: number) => Uint8Array, account = 0): GeneratedBlsKey {
  const seed = rng(32)
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError('rng must return the requested bytes')
  const path = signingKeyPath(account)
  const secretKey = deriveKeyFromPath(seed, path)
  seed.fill(0)
  return { secretKey, publicKey: getBls().publicKey(secretKey.expose()), path }
}
