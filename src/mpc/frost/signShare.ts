/**
 * Member, round two (RFC 9591 §5.2 `sign`): this member's signature share for `message` under the root key
 * (`tweak` undefined) or a derived key (32-byte tweak, near-mpc.md §2).
 *
 * We compute the share ourselves instead of calling noble's `signShare`: noble decodes and fully validates
 * every point (group key, every hiding/binding commitment; for Ed25519 a 253-bit torsion check each) and
 * recomputes this member's commitment with two constant-time base multiplications on every call. Here the
 * group key is decoded once per key package, derived keys once per tweak, commitment points once per process
 * (pointCache.ts), and the member's own commitment is compared byte for byte with `ownCommitment` when the
 * caller passes the one commit() returned. The math is RFC 9591 §5.2 as noble computes it, including
 * schnorr_FROST's BIP-340 adjustments (even-Y group key via derivedPackage, nonces negated when R has odd Y),
 * and is pinned byte for byte to noble's signShare in equivalence.test.ts:
 *
 *   z_i = d_i + e_i·ρ_i + λ_i·s_i·c
 *
 * The nonce pair is wiped whatever happens: a nonce whose commitment went out is never offered twice.
 * The caller checks the request itself (policy, tweak from predecessor and path) before calling this.
 */
import { equalBytes } from '@noble/curves/utils.js'
import { SecretBytes } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import { hasEvenY } from '../suites.js'
import { ciphersuiteOf } from './ciphersuite.js'
import { type SigningCommitment, signingEntries, sortedCommitments } from './commitments.js'
import { derivedPackage, derivedShareScalar } from './derivedPackage.js'
import { internalsOf, type KeyShare } from './keyPackage.js'
import { rememberOwnPoint } from './pointCache.js'
import { lambdaOf, signingContext } from './signingContext.js'

export function signShare(
  share: KeyShare,
  nonces: SecretBytes,
  commitments: readonly SigningCommitment[],
  message: Uint8Array,
  tweak?: Uint8Array,
  ownCommitment?: SigningCommitment,
): Uint8Array {
  if (!(nonces instanceof SecretBytes) || nonces.length !== 64)
    throw new MpcError('MPC_BAD_INPUT', 'nonces must be the 64 secret bytes commit() returned', { field: 'nonces' })
  const raw = nonces.expose()
  try {
    if (raw.every((b) => b === 0)) throw new MpcError('MPC_NONCES_USED', 'this nonce pair was already used or wiped')
    if (!(message instanceof Uint8Array))
      throw new MpcError('MPC_BAD_INPUT', 'message must be bytes', { field: 'message' })
    const pkg = share.package
    const me = share.participant
    const { suite } = internalsOf(pkg)
    const { Fn } = suite
    const sorted = sortedCommitments(pkg, commitments)
    const mine = sorted.find((c) => c.participant === me)
    if (!mine)
      throw new MpcError('MPC_BAD_COMMITMENTS', `the signing set does not include participant ${me}`, {
        participant: me,
      })
    let hiding: bigint
    let binding: bigint
    try {
      hiding = Fn.fromBytes(raw.subarray(0, 32))
      binding = Fn.fromBytes(raw.subarray(32))
    } catch (e) {
      throw new MpcError('MPC_BAD_INPUT', 'nonces are not canonical scalars', { field: 'nonces' }, { cause: e })
    }
    if (hiding === 0n || binding === 0n)
      throw new MpcError('MPC_NONCES_USED', 'this nonce pair was already used or wiped')
    // The coordinator must assign this member the commitment of exactly these nonces (noble's check).
    const own = ownCommitment === undefined ? recomputeCommitment(share, hiding, binding) : ownCommitment
    if (!own || own.participant !== me || !(own.hiding instanceof Uint8Array) || !(own.binding instanceof Uint8Array))
      throw new MpcError('MPC_BAD_INPUT', `ownCommitment must be participant ${me}'s commitment from commit()`, {
        field: 'ownCommitment',
      })
    if (!equalBytes(mine.hiding, own.hiding) || !equalBytes(mine.binding, own.binding))
      throw new MpcError(
        'MPC_BAD_COMMITMENTS',
        `the commitment list carries another commitment for participant ${me}`,
        {
          participant: me,
        },
      )
    const entries = signingEntries(pkg, sorted)
    const d = derivedPackage(pkg, tweak)
    const ctx = signingContext(suite, ciphersuiteOf(suite.scheme), d.groupKey, d.groupPoint, entries, message)
    // schnorr_FROST adjustNonces: R counts as its even-Y point, so an odd R negates both nonces
    if (suite.scheme === 'Bip340' && !hasEvenY(ctx.R)) {
      hiding = Fn.neg(hiding)
      binding = Fn.neg(binding)
    }
    const s = derivedShareScalar(pkg, d, Fn.fromBytes(share.signingShare.expose()))
    const lambda = lambdaOf(suite, ctx, me)
    const z = Fn.add(
      Fn.add(hiding, Fn.mul(binding, ctx.bindingFactors.get(me)!)),
      Fn.mul(Fn.mul(lambda, s), ctx.challenge),
    )
    return Fn.toBytes(z)
  } finally {
    raw.fill(0)
  }
}

/** d·G, e·G as noble's signShare recomputes them (constant time: the nonces are secret). */
function recomputeCommitment(share: KeyShare, hiding: bigint, binding: bigint): SigningCommitment {
  const { suite } = internalsOf(share.package)
  const D = suite.BASE.multiply(hiding)
  const E = suite.BASE.multiply(binding)
  const c = { participant: share.participant, hiding: suite.encodePoint(D), binding: suite.encodePoint(E) }
  rememberOwnPoint(suite, c.hiding, D)
  rememberOwnPoint(suite, c.binding, E)
  return c
}
