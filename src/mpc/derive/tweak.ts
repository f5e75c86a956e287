/**
 * NEAR chain-signature tweak ("epsilon"), near-mpc.md §2.1 / §7.1:
 * SHA3-256(utf8("near-mpc-recovery v0.1.0 epsilon derivation:" ‖ predecessor ‖ "," ‖ path)).
 * SHA3 (FIPS 202), not Keccak; the comma is there even for an empty path; no length framing.
 */
import { sha3_256 } from '@noble/hashes/sha3.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { MpcError } from '../errors.js'

export const TWEAK_PREFIX = 'near-mpc-recovery v0.1.0 epsilon derivation:'

export function deriveTweak(predecessor: string, path: string): Uint8Array {
  if (typeof predecessor !== 'string' || typeof path !== 'string')
    throw new MpcError('MPC_BAD_INPUT', 'predecessor and path must be strings', { field: 'predecessor/path' })
  return sha3_256(utf8ToBytes(`${TWEAK_PREFIX}${predecessor},${path}`))
}
