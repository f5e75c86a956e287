/**
 * The three FROST ciphersuites a committee domain can use, over @noble/curves:
 * - `Secp256k1Frost` → noble `secp256k1_FROST` (RFC 9591 §6.5, "FROST-secp256k1-SHA256-v1").
 * - `Bip340` → noble `schnorr_FROST` ("FROST-secp256k1-SHA256-TR-v1", frost-secp256k1-tr compatible).
 * - `Ed25519` → RFC 9591 §6.1 "FROST-ED25519-SHA512-v1", built with noble's own `createFROST` from exactly the
 *   parameters noble's `ed25519_FROST` uses (name, ed25519 Point, SHA-512, undecorated H2) minus its
 *   `validatePoint` hook. That hook repeats the two checks `createFROST` already makes on every decoded point
 *   (`assertValidity`, `isTorsionFree`), and the torsion check (a 253-bit scalar multiplication) dominates
 *   every Ed25519 call that decodes points (commit, verifyShare, verify, DKG; signShare and aggregate are
 *   computed in frost/ over points decoded once). Outputs are byte-identical to `ed25519_FROST`, points of
 *   small order are still refused (both pinned in frost/frost.test.ts).
 * Encodings: Ed25519 points are 32-byte RFC 8032 compressed, scalars 32-byte little-endian; secp256k1 points
 * are 33-byte SEC1 compressed, scalars 32-byte big-endian. Signatures: Ed25519 64 (R ‖ S), Secp256k1Frost
 * 65 (compressed R ‖ z), Bip340 64 (x(R) ‖ s).
 */
import { createFROST, type FROST } from '@noble/curves/abstract/frost.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { MpcError } from './errors.js'
import type { ParticipantId, SchemeId } from './types.js'

/** The point operations this layer uses; noble's Edwards and Weierstrass points both provide them. */
export interface GroupPoint {
  add(other: GroupPoint): GroupPoint
  subtract(other: GroupPoint): GroupPoint
  negate(): GroupPoint
  multiply(scalar: bigint): GroupPoint
  multiplyUnsafe(scalar: bigint): GroupPoint
  equals(other: GroupPoint): boolean
  is0(): boolean
  toBytes(compressed?: boolean): Uint8Array
  readonly y: bigint
}

/** The scalar field of a suite (noble `IField<bigint>`, the operations we use). */
export interface ScalarField {
  readonly ORDER: bigint
  readonly BYTES: number
  readonly isLE: boolean
  create(n: bigint): bigint
  add(a: bigint, b: bigint): bigint
  sub(a: bigint, b: bigint): bigint
  mul(a: bigint, b: bigint): bigint
  neg(a: bigint): bigint
  inv(a: bigint): bigint
  isValid(n: bigint): boolean
  toBytes(n: bigint): Uint8Array
  fromBytes(b: Uint8Array): bigint
}

export interface Suite {
  readonly scheme: SchemeId
  /** the noble FROST API for this ciphersuite */
  readonly frost: FROST
  readonly Fn: ScalarField
  readonly BASE: GroupPoint
  /** bytes of a point as FROST packages carry it (32 Ed25519, 33 secp256k1) */
  readonly pointLength: number
  readonly scalarLength: number
  readonly signatureLength: number
  /** noble FROST identifier (canonical scalar hex) of a participant: id + 1 (near-mpc.md §4.1) */
  identifier(id: ParticipantId): string
  /**
   * A public point from its FROST package encoding (Bip340 also takes 32-byte x-only, lifted to even Y):
   * on the curve, not the identity, in the prime-order subgroup. Throws MPC_BAD_PUBLIC_KEY naming `field`.
   */
  decodePoint(bytes: Uint8Array, field: string): GroupPoint
  /** a point in the FROST package encoding */
  encodePoint(p: GroupPoint): Uint8Array
}

// Same parameters as noble's ed25519_FROST (node_modules/@noble/curves/ed25519.js), without the duplicate checks.
const ed25519Frost: FROST = createFROST({
  name: 'FROST-ED25519-SHA512-v1',
  Point: ed25519.Point,
  hash: sha512,
  H2: '',
})

export const MAX_PARTICIPANT_ID = 0xffff_ffff

/** Throws MPC_BAD_INPUT unless id is a u32. */
export function assertParticipantId(id: unknown, field = 'participant'): asserts id is ParticipantId {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_PARTICIPANT_ID)
    throw new MpcError('MPC_BAD_INPUT', `${field} must be a participant id (an integer 0..2^32-1)`, { field })
}

function makeSuite(
  scheme: SchemeId,
  frost: FROST,
  Point: {
    BASE: unknown
    Fn: unknown
    fromBytes(b: Uint8Array): unknown
  },
  pointLength: number,
  signatureLength: number,
  decodeRaw: (b: Uint8Array) => GroupPoint,
  checkSubgroup: (p: GroupPoint) => boolean,
): Suite {
  const ids = new Map<ParticipantId, string>()
  return Object.freeze({
    scheme,
    frost,
    Fn: Point.Fn as ScalarField,
    BASE: Point.BASE as GroupPoint,
    pointLength,
    scalarLength: 32,
    signatureLength,
    identifier(id: ParticipantId): string {
      let s = ids.get(id)
      if (s === undefined) {
        assertParticipantId(id)
        s = frost.Identifier.fromNumber(id + 1)
        ids.set(id, s)
      }
      return s
    },
    decodePoint(bytes: Uint8Array, field: string): GroupPoint {
      let p: GroupPoint
      try {
        p = decodeRaw(bytes)
      } catch (e) {
        throw new MpcError(
          'MPC_BAD_PUBLIC_KEY',
          `${field} is not a valid ${scheme} point encoding`,
          {
            field,
            length: bytes instanceof Uint8Array ? bytes.length : 0,
          },
          { cause: e },
        )
      }
      if (p.is0() || !checkSubgroup(p))
        throw new MpcError('MPC_BAD_PUBLIC_KEY', `${field} is the identity or outside the prime-order subgroup`, {
          field,
        })
      return p
    },
    encodePoint(p: GroupPoint): Uint8Array {
      return p.toBytes(true)
    },
  })
}

const edDecode = (b: Uint8Array): GroupPoint => {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new RangeError('expected 32 bytes')
  const p = ed25519.Point.fromBytes(b)
  p.assertValidity()
  return p as unknown as GroupPoint
}

const k1Decode = (b: Uint8Array): GroupPoint => {
  if (!(b instanceof Uint8Array)) throw new TypeError('expected bytes')
  if (b.length !== 33 && b.length !== 65) throw new RangeError('expected 33 or 65 bytes')
  const p = secp256k1.Point.fromBytes(b)
  p.assertValidity()
  return p as unknown as GroupPoint
}

const bip340Decode = (b: Uint8Array): GroupPoint => {
  if (b instanceof Uint8Array && b.length === 32)
    return schnorr.utils.lift_x(bytesToNumberBE(b)) as unknown as GroupPoint
  return k1Decode(b)
}

const SUITES: Record<SchemeId, Suite> = {
  Ed25519: makeSuite('Ed25519', ed25519Frost, ed25519.Point, 32, 64, edDecode, (p) =>
    (p as unknown as { isTorsionFree(): boolean }).isTorsionFree(),
  ),
  Secp256k1Frost: makeSuite('Secp256k1Frost', secp256k1_FROST, secp256k1.Point, 33, 65, k1Decode, () => true),
  Bip340: makeSuite('Bip340', schnorr_FROST, secp256k1.Point, 33, 64, bip340Decode, () => true),
}

export const SCHEMES: readonly SchemeId[] = Object.freeze(['Ed25519', 'Secp256k1Frost', 'Bip340'])

/** The suite of a scheme id; throws MPC_UNKNOWN_SCHEME for anything else. */
export function suiteFor(scheme: SchemeId | string): Suite {
  const s = Object.hasOwn(SUITES, scheme) ? SUITES[scheme as SchemeId] : undefined
  if (!s) throw new MpcError('MPC_UNKNOWN_SCHEME', `unknown scheme; expected one of ${SCHEMES.join(', ')}`)
  return s
}

/** A point has even Y (BIP-340 `has_even_y`). */
export const hasEvenY = (p: GroupPoint): boolean => (p.y & 1n) === 0n
