/**
 * The key package for a derived key (near-mpc.md §2): the same tweak scalar t is added to the group key, to
 * every verifying share and (by each member, locally) to its signing share, so t members sign for the derived
 * key. Because Lagrange coefficients sum to 1, Σ λ_i (s_i + t) = s + t.
 *
 * Bip340: the root counts as its even-Y point (BIP-340 keys are x-only), so an odd-Y root first has every
 * share and verifying share negated, then t is added (BIP-341 taproot_tweak, as noble's frostTweakPublic /
 * frostTweakSecret do with the TapTweak hash). If the derived key then has odd Y, the package is negated once
 * more here, so that noble's per-call even-Y hooks (frostPubToEvenY, frostSecretToEvenY) find an even key and
 * return at once instead of re-decoding and negating every point on each call. The signature is the same.
 *
 * Derived packages are cached per tweak on the key package (LRU, at most DERIVED_CACHE_SIZE): the derived
 * group key is computed and encoded once per tweak, its verifying shares only when a failed aggregate needs
 * them. Signing shares are never cached, each call adds t to its own copy.
 */
import type { FrostPublic } from '@noble/curves/abstract/frost.js'
import type { TArg } from '@noble/curves/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { tweakScalar } from '../derive/deriveKey.js'
import { MpcError } from '../errors.js'
import { type GroupPoint, hasEvenY } from '../suites.js'
import { internalsOf, type KeyPackage } from './keyPackage.js'

export const DERIVED_CACHE_SIZE = 1024

export interface DerivedPackage {
  /** the derived group key as a point (Bip340: even Y), validated via its root, for signing and aggregation */
  readonly groupPoint: GroupPoint
  /** FROST encoding of `groupPoint` (noble's pub.commitments[0]) */
  readonly groupKey: Uint8Array
  /**
   * noble's public package for the derived key (even Y for Bip340), built on first use: only the failure
   * path (per-share verification with noble's verifyShare) and tests need the derived verifying shares.
   */
  readonly pub: TArg<FrostPublic>
  /** the key signatures verify under: Ed25519 32 bytes, Secp256k1Frost 33 compressed, Bip340 32 x-only */
  readonly publicKey: Uint8Array
  /** signing share s ↦ (negate ? −s : s) + add, then negated again when `negateAfter` */
  readonly negate: boolean
  readonly add: bigint
  readonly negateAfter: boolean
}

const NO_TWEAK = 'root'

/**
 * The (cached) derived package of `pkg` for a 32-byte tweak, or for the root key when `tweak` is undefined.
 * Cache: LRU of DERIVED_CACHE_SIZE per key package.
 */
export function derivedPackage(pkg: KeyPackage, tweak?: Uint8Array): DerivedPackage {
  const internals = internalsOf(pkg)
  const key = tweak === undefined ? NO_TWEAK : bytesToHex(tweak)
  const cache = internals.derived as Map<string, DerivedPackage>
  const hit = cache.get(key)
  if (hit) {
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  const { suite, groupPoint, sharePoints, identifiers } = internals
  const t = tweak === undefined ? 0n : tweakScalar(suite.scheme, tweak)
  const negate = suite.scheme === 'Bip340' && !hasEvenY(groupPoint)
  // the tweak is public (it is derived from predecessor and path): variable-time multiplication is fine
  const tG = t === 0n ? undefined : suite.BASE.multiplyUnsafe(t)
  const shift = (p: GroupPoint) => {
    const q = negate ? p.negate() : p
    return tG ? q.add(tG) : q
  }
  const shifted = shift(groupPoint)
  const negateAfter = suite.scheme === 'Bip340' && !hasEvenY(shifted)
  const finish = (p: GroupPoint) => (negateAfter ? p.negate() : p)
  const derivedPoint = finish(shifted)
  // a valid root plus t·G is in the prime-order group; the identity (t ≡ −root secret) cannot sign
  if (derivedPoint.is0())
    throw new MpcError('MPC_BAD_PUBLIC_KEY', 'the derived public key is the identity', { field: 'tweak' })
  const groupKey = suite.encodePoint(derivedPoint)
  let pub: TArg<FrostPublic> | undefined
  const derived: DerivedPackage = Object.freeze({
    groupPoint: derivedPoint,
    groupKey,
    get pub(): TArg<FrostPublic> {
      if (!pub) {
        const verifyingShares: Record<string, Uint8Array> = {}
        for (const [id, p] of sharePoints) verifyingShares[identifiers.get(id)!] = suite.encodePoint(finish(shift(p)))
        pub = Object.freeze({
          signers: { ...internals.pub.signers },
          commitments: [groupKey.slice()],
          verifyingShares,
        })
      }
      return pub
    },
    publicKey: suite.scheme === 'Bip340' ? groupKey.slice(1) : groupKey.slice(),
    negate,
    add: t,
    negateAfter,
  })
  if (cache.size >= DERIVED_CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(key, derived)
  return derived
}

/** The public key signatures of `pkg` under `tweak` verify with (see DerivedPackage.publicKey). */
export function signingPublicKey(pkg: KeyPackage, tweak?: Uint8Array): Uint8Array {
  return derivedPackage(pkg, tweak).publicKey.slice()
}

/** A member's signing share for the derived key, as a scalar. */
export function derivedShareScalar(pkg: KeyPackage, d: DerivedPackage, share: bigint): bigint {
  const { Fn } = internalsOf(pkg).suite
  const s = Fn.add(d.negate ? Fn.neg(share) : share, d.add)
  return d.negateAfter ? Fn.neg(s) : s
}
