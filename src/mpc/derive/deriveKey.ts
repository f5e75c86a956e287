/**
 * Derived public keys from a root key and a 32-byte tweak (near-mpc.md §2.2, §2.3, §7.2, §7.3):
 * - secp256k1 (`Secp256k1Frost`): P + BE(tweak)·G; BE(tweak) ≥ n is refused, as NEAR's contract and nodes do.
 * - Ed25519: A + (LE(tweak) mod l)·B.
 * - Bip340: BIP-340 keys are x-only, so the root stands for its even-Y point (lift_x); the derived key is
 *   lift_x(x(P)) + BE(tweak)·G and its x coordinate is the BIP-340 public key. This is BIP-341's
 *   taproot_tweak_pubkey with our tweak in place of the TapTweak hash (noble `frostTweakPublic` does the same),
 *   so the result depends only on the 32 bytes a user knows. The same scalar is added to every share
 *   (frost/tweakKeyPackage.ts), so the committee signs for exactly this key.
 */
import { bytesToNumberBE, bytesToNumberLE } from '@noble/curves/utils.js'
import { MpcError } from '../errors.js'
import { type GroupPoint, hasEvenY, suiteFor } from '../suites.js'
import type { SchemeId } from '../types.js'

/** The scalar the tweak adds for a scheme. Throws MPC_TWEAK_OUT_OF_RANGE for secp256k1 when BE(tweak) ≥ n. */
export function tweakScalar(scheme: SchemeId, tweak: Uint8Array): bigint {
  if (!(tweak instanceof Uint8Array) || tweak.length !== 32)
    throw new MpcError('MPC_BAD_INPUT', 'tweak must be 32 bytes', { field: 'tweak', length: tweak?.length ?? 0 })
  const { Fn } = suiteFor(scheme)
  if (scheme === 'Ed25519') return Fn.create(bytesToNumberLE(tweak))
  const t = bytesToNumberBE(tweak)
  if (t >= Fn.ORDER) throw new MpcError('MPC_TWEAK_OUT_OF_RANGE', 'the tweak is not a secp256k1 scalar (≥ n)')
  return t
}

/** root + t·G (for Bip340 the root is first normalised to even Y). t = 0 leaves the (normalised) root. */
export function deriveKeyPoint(scheme: SchemeId, root: GroupPoint, t: bigint): GroupPoint {
  const base = scheme === 'Bip340' && !hasEvenY(root) ? root.negate() : root
  return t === 0n ? base : base.add(suiteFor(scheme).BASE.multiply(t))
}

/**
 * The derived public key in the scheme's usual encoding: Ed25519 32 bytes, Secp256k1Frost 33-byte compressed,
 * Bip340 32-byte x-only. `root` is the root key in any encoding `Suite.decodePoint` takes.
 */
export function derivePublicKey(scheme: SchemeId, root: Uint8Array, tweak: Uint8Array): Uint8Array {
  const suite = suiteFor(scheme)
  const p = deriveKeyPoint(scheme, suite.decodePoint(root, 'root public key'), tweakScalar(scheme, tweak))
  const enc = suite.encodePoint(p)
  return scheme === 'Bip340' ? enc.subarray(1) : enc
}
