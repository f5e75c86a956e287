import type { SecretBytes } from '../../crypto/index.js'
import { getBls } from './blsBackend.js'

/** BLS-sign a 32-byte signing root with a secret key → 96-byte compressed signature. */
export function signRoot(secretKey: SecretBytes, signingRoot: Uint8Array): Uint8Array {
  if (signingRoot.length !== 32) throw new RangeError('a signing root is 32 bytes')
  return getBls().sign(secretKey.expose(), signingRoot)
}

/** Verify a signature over a 32-byte signing root (false on any malformed input). */
export function verifyRoot(publicKey: Uint8Array, signingRoot: Uint8Array, signature: Uint8Array): boolean {
  return getBls().verify(publicKey, signingRoot, signature)
}
