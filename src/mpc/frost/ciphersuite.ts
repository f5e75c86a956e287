/**
 * The RFC 9591 ciphersuite functions of each scheme, as noble's `createFROST` builds them for the suite
 * (node_modules/@noble/curves/abstract/frost.js, ed25519.js `ed25519_FROST`, secp256k1.js `secp256k1_FROST` /
 * `schnorr_FROST`), so that signShare.ts and aggregate.ts can compute RFC 9591 §5.2/§5.3 over already
 * decoded points instead of calling noble's API, which decodes and validates every point on every call.
 * Replicated exactly, hash by hash (pinned byte for byte to noble in equivalence.test.ts):
 * - Ed25519 "FROST-ED25519-SHA512-v1": H(x) = SHA-512, hash-to-scalar = LE(SHA-512(DST ‖ m)) mod l, H2
 *   undecorated (DST empty, RFC 8032 challenge).
 * - Secp256k1Frost "FROST-secp256k1-SHA256-v1": hash-to-scalar = noble `secp256k1_hasher.hashToScalar`
 *   (RFC 9380 hash_to_field, expand_message_xmd SHA-256) with DST = name ‖ tag; H4/H5 SHA-256.
 * - Bip340 "FROST-secp256k1-SHA256-TR-v1": as Secp256k1Frost, except the challenge is BIP-340's
 *   tagged hash over x(R) ‖ x(PK) ‖ m, the group key and the group commitment count as their even-Y points
 *   (noble's adjustPoint / adjustNonces / adjustGroupCommitmentShare), and the signature drops R's prefix byte.
 */
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1, secp256k1_hasher } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, bytesToNumberLE, concatBytes } from '@noble/curves/utils.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { type GroupPoint, hasEvenY } from '../suites.js'
import type { SchemeId } from '../types.js'

export interface FrostCiphersuite {
  readonly name: string
  /** H1: binding factor ρ_i = H1(rho_input) */
  H1(msg: Uint8Array): bigint
  /** H4: message hash */
  H4(msg: Uint8Array): Uint8Array
  /** H5: commitment list hash */
  H5(msg: Uint8Array): Uint8Array
  /** Schnorr challenge c = H2(R ‖ PK ‖ m) (Bip340: the BIP-340 challenge over x-only R and PK) */
  challenge(R: GroupPoint, PK: GroupPoint, msg: Uint8Array): bigint
  /** BIP-340: the group commitment R and the group key act as their even-Y points */
  readonly evenY: boolean
  /** RFC 9591 SerializeElement(R) ‖ SerializeScalar(z) (Bip340: x(R) ‖ z) */
  encodeSignature(R: GroupPoint, z: bigint): Uint8Array
  /** Σ scalars[i]·points[i], variable time (public inputs only), as noble's FROST `msm` */
  msm(points: readonly GroupPoint[], scalars: readonly bigint[]): GroupPoint
  /**
   * Point.fromBytes alone (on the curve, canonical encoding; no subgroup check): only for encodings of points
   * this node computed itself as scalar·G. Points from outside go through `Suite.decodePoint`.
   */
  decodeOwn(bytes: Uint8Array): GroupPoint
}

const serialize = (p: GroupPoint): Uint8Array => p.toBytes()

type PointCons = Parameters<typeof mulAddUnsafe>[0] & { fromBytes(b: Uint8Array): unknown }

function makeSuite(
  Point: PointCons,
  name: string,
  hash: (m: Uint8Array) => Uint8Array,
  hashToScalar: (msg: Uint8Array, DST: Uint8Array) => bigint,
  toBytes: (z: bigint) => Uint8Array,
  opts: { bip340: boolean; H2?: string },
): FrostCiphersuite {
  const { bip340 } = opts
  const dst = (tag: string) => utf8ToBytes(name + tag)
  const [rho, msgTag, com] = [dst('rho'), dst('msg'), dst('com')]
  // noble: H2 prefix = opts.H2 ?? name + 'chal' (Ed25519 passes '', the undecorated RFC 8032 challenge)
  const chal = utf8ToBytes(opts.H2 ?? `${name}chal`)
  const xOnly = (p: GroupPoint) => p.toBytes(true).subarray(1)
  const bipChallenge = (R: GroupPoint, PK: GroupPoint, msg: Uint8Array) =>
    secp256k1.Point.Fn.create(bytesToNumberBE(schnorr.utils.taggedHash('BIP0340/challenge', xOnly(R), xOnly(PK), msg)))
  return Object.freeze({
    name,
    H1: (m: Uint8Array) => hashToScalar(m, rho),
    H4: (m: Uint8Array) => hash(concatBytes(msgTag, m)),
    H5: (m: Uint8Array) => hash(concatBytes(com, m)),
    challenge: bip340
      ? bipChallenge
      : (R: GroupPoint, PK: GroupPoint, msg: Uint8Array) =>
          hashToScalar(concatBytes(serialize(R), serialize(PK), msg), chal),
    evenY: bip340,
    encodeSignature(R: GroupPoint, z: bigint): Uint8Array {
      const sig = concatBytes(serialize(R), toBytes(z))
      return bip340 ? sig.subarray(1) : sig
    },
    msm: (points: readonly GroupPoint[], scalars: readonly bigint[]): GroupPoint =>
      mulAddUnsafe(Point, points as never, scalars as bigint[]) as unknown as GroupPoint,
    decodeOwn: (bytes: Uint8Array) => Point.fromBytes(bytes) as GroupPoint,
  })
}

const edFn = ed25519.Point.Fn
const k1Fn = secp256k1.Point.Fn
const k1Point = secp256k1.Point as unknown as PointCons
const k1HashToScalar = (msg: Uint8Array, DST: Uint8Array) => secp256k1_hasher.hashToScalar(msg, { DST })

const SUITES: Record<SchemeId, FrostCiphersuite> = {
  // noble ed25519_FROST: hash sha512, createFROST's default hashToScalar (LE, mod l), H2: ''
  Ed25519: makeSuite(
    ed25519.Point as unknown as PointCons,
    'FROST-ED25519-SHA512-v1',
    sha512,
    (msg, DST) => edFn.create(bytesToNumberLE(sha512(concatBytes(DST, msg)))),
    (z) => edFn.toBytes(z),
    { bip340: false, H2: '' },
  ),
  Secp256k1Frost: makeSuite(k1Point, 'FROST-secp256k1-SHA256-v1', sha256, k1HashToScalar, (z) => k1Fn.toBytes(z), {
    bip340: false,
  }),
  Bip340: makeSuite(k1Point, 'FROST-secp256k1-SHA256-TR-v1', sha256, k1HashToScalar, (z) => k1Fn.toBytes(z), {
    bip340: true,
  }),
}

export function ciphersuiteOf(scheme: SchemeId): FrostCiphersuite {
  return SUITES[scheme]
}

/** `p`, or −p when the suite wants even Y and p has odd Y (noble schnorr_FROST `adjustPoint`). */
export function adjustPoint(cs: FrostCiphersuite, p: GroupPoint): GroupPoint {
  return cs.evenY && !hasEvenY(p) ? p.negate() : p
}
