/**
 * Per-epoch key material for one domain, decoded once: the group key and every verifying share as points,
 * the participants' FROST identifiers, and noble's `FrostPublic` package in the exact shape its API takes.
 * A `KeyPackage` is built when an epoch's key is loaded (or a DKG/resharing finishes) and then reused by every
 * signing call; derived (tweaked) packages are cached per tweak (derivedPackage.ts).
 */
import type { FrostPublic } from '@noble/curves/abstract/frost.js'
import type { TArg } from '@noble/curves/utils.js'
import { SecretBytes } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import { lagrangeCoefficient, scalarOf } from '../lagrange.js'
import { assertParticipantId, type GroupPoint, type Suite, suiteFor } from '../suites.js'
import type { ParticipantId, SchemeId } from '../types.js'

/** The public half of a domain key for one epoch. Immutable; build with `createKeyPackage`. */
export interface KeyPackage {
  readonly scheme: SchemeId
  /** t: signers needed (t-of-n) */
  readonly threshold: number
  /** members, ascending */
  readonly participants: readonly ParticipantId[]
  /** FROST encoding: Ed25519 32 bytes, secp256k1 33-byte compressed */
  readonly groupPublicKey: Uint8Array
  readonly verifyingShares: ReadonlyMap<ParticipantId, Uint8Array>
}

/** One member's share of a `KeyPackage`. */
export interface KeyShare {
  readonly package: KeyPackage
  readonly participant: ParticipantId
  /** the secret scalar (32 bytes, scheme byte order); keep sealed, never log */
  readonly signingShare: SecretBytes
}

export interface CreateKeyPackageParameters {
  scheme: SchemeId
  threshold: number
  groupPublicKey: Uint8Array
  verifyingShares: ReadonlyMap<ParticipantId, Uint8Array> | Iterable<readonly [ParticipantId, Uint8Array]>
}

/** What signing needs, decoded once per package. Not part of the public surface. */
export interface PackageInternals {
  readonly suite: Suite
  /** noble's public package: commitments = [group key] (only [0] is used for signing) */
  readonly pub: TArg<FrostPublic>
  readonly groupPoint: GroupPoint
  readonly sharePoints: ReadonlyMap<ParticipantId, GroupPoint>
  readonly identifiers: ReadonlyMap<ParticipantId, string>
  readonly participantOf: ReadonlyMap<string, ParticipantId>
  /** derived packages by tweak hex (bounded, see derivedPackage.ts) */
  readonly derived: Map<string, unknown>
}

const INTERNALS = new WeakMap<KeyPackage, PackageInternals>()

export function internalsOf(pkg: KeyPackage): PackageInternals {
  const i = INTERNALS.get(pkg)
  if (!i) throw new MpcError('MPC_BAD_INPUT', 'not a KeyPackage made by createKeyPackage', { field: 'package' })
  return i
}

/**
 * Validate and decode a key package: 2 ≤ t ≤ n, u32 participant ids, every key a valid point, and the
 * verifying shares consistent — each share beyond the first t is the interpolation of the first t, and those
 * interpolate to the group key — so any t members produce signatures for `groupPublicKey`.
 * Throws MPC_BAD_INPUT / MPC_BAD_PUBLIC_KEY / MPC_NOT_ENOUGH_PARTICIPANTS.
 */
export function createKeyPackage(params: CreateKeyPackageParameters): KeyPackage {
  const suite = suiteFor(params.scheme)
  const entries = [...(params.verifyingShares as Iterable<readonly [ParticipantId, Uint8Array]>)]
  const t = params.threshold
  if (!Number.isInteger(t) || t < 2)
    throw new MpcError('MPC_BAD_INPUT', 'threshold must be an integer ≥ 2', { field: 'threshold' })
  if (entries.length < t)
    throw new MpcError('MPC_NOT_ENOUGH_PARTICIPANTS', `a ${t}-of-n key needs at least ${t} verifying shares`, {
      threshold: t,
      participants: entries.length,
    })
  const groupPoint = suite.decodePoint(params.groupPublicKey, 'groupPublicKey')
  const sharePoints = new Map<ParticipantId, GroupPoint>()
  for (const [id, bytes] of entries) {
    assertParticipantId(id, 'verifyingShares id')
    if (sharePoints.has(id)) throw new MpcError('MPC_BAD_INPUT', 'duplicate participant id', { participant: id })
    sharePoints.set(id, suite.decodePoint(bytes, `verifyingShares[${id}]`))
  }
  const participants = [...sharePoints.keys()].sort((a, b) => a - b)
  checkConsistency(suite, t, participants, groupPoint, sharePoints)

  const groupPublicKey = suite.encodePoint(groupPoint)
  const verifyingShares = new Map(participants.map((id) => [id, suite.encodePoint(sharePoints.get(id)!)] as const))
  const identifiers = new Map(participants.map((id) => [id, suite.identifier(id)] as const))
  const pub: TArg<FrostPublic> = {
    signers: { min: t, max: participants.length },
    commitments: [groupPublicKey],
    verifyingShares: Object.fromEntries(participants.map((id) => [identifiers.get(id)!, verifyingShares.get(id)!])),
  }
  const pkg: KeyPackage = Object.freeze({
    scheme: suite.scheme,
    threshold: t,
    participants: Object.freeze(participants),
    groupPublicKey,
    verifyingShares,
  })
  INTERNALS.set(pkg, {
    suite,
    pub,
    groupPoint,
    sharePoints,
    identifiers,
    participantOf: new Map([...identifiers].map(([id, hex]) => [hex, id] as const)),
    derived: new Map(),
  })
  return pkg
}

function checkConsistency(
  suite: Suite,
  t: number,
  ids: readonly ParticipantId[],
  group: GroupPoint,
  shares: ReadonlyMap<ParticipantId, GroupPoint>,
): void {
  const base = ids.slice(0, t)
  const interpolate = (x: bigint) =>
    base.reduce<GroupPoint | undefined>((acc, i) => {
      const term = shares.get(i)!.multiplyUnsafe(lagrangeCoefficient(suite.Fn, base, i, x))
      return acc ? acc.add(term) : term
    }, undefined) as GroupPoint
  const bad = (p: GroupPoint, q: GroupPoint) => !p.equals(q)
  if (bad(interpolate(0n), group))
    throw new MpcError('MPC_BAD_PUBLIC_KEY', 'the verifying shares do not interpolate to the group public key', {
      threshold: t,
    })
  for (const id of ids.slice(t)) {
    if (bad(interpolate(scalarOf(id)), shares.get(id)!))
      throw new MpcError('MPC_BAD_PUBLIC_KEY', `verifying share of participant ${id} is not on the key polynomial`, {
        participant: id,
      })
  }
}

/**
 * A member's share of `pkg`. Checks s·G against the participant's verifying share (MPC_SHARE_MISMATCH), so a
 * corrupted or foreign share is caught when loaded, not when a signature fails. Takes ownership of the bytes.
 */
export function createKeyShare(
  pkg: KeyPackage,
  participant: ParticipantId,
  signingShare: Uint8Array | SecretBytes,
): KeyShare {
  const { suite, sharePoints } = internalsOf(pkg)
  const share = signingShare instanceof SecretBytes ? signingShare : new SecretBytes(signingShare)
  const expected = sharePoints.get(participant)
  if (!expected)
    throw new MpcError('MPC_NOT_PARTICIPANT', `participant ${participant} is not in this key package`, {
      participant,
    })
  if (share.length !== suite.scalarLength)
    throw new MpcError('MPC_BAD_INPUT', `signingShare must be ${suite.scalarLength} bytes`, {
      field: 'signingShare',
      length: share.length,
    })
  let s: bigint
  try {
    s = suite.Fn.fromBytes(share.expose())
  } catch (e) {
    throw new MpcError('MPC_SHARE_MISMATCH', 'signingShare is not a canonical scalar', { participant }, { cause: e })
  }
  if (s === 0n || !suite.BASE.multiply(s).equals(expected))
    throw new MpcError(
      'MPC_SHARE_MISMATCH',
      `signingShare does not match participant ${participant}'s verifying share`,
      {
        participant,
      },
    )
  return Object.freeze({ package: pkg, participant, signingShare: share })
}
