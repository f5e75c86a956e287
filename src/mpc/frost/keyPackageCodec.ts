/**
 * Storage form of a KeyPackage (public data; the node seals the signing share separately):
 *   u8 version (= 1) ‖ SCALE( string scheme ‖ u32 threshold ‖ vec<u8> group key ‖ vec(u32 id ‖ vec<u8> point) )
 * Decoding re-runs every check of createKeyPackage (points, consistency), so a stored package is trusted
 * only as far as it verifies.
 */
import { ScaleError, ScaleReader, ScaleWriter } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import type { SchemeId } from '../types.js'
import { createKeyPackage, type KeyPackage } from './keyPackage.js'

const VERSION = 1

export function encodeKeyPackage(pkg: KeyPackage): Uint8Array {
  return new ScaleWriter()
    .u8(VERSION)
    .string(pkg.scheme)
    .u32(pkg.threshold)
    .vecU8(pkg.groupPublicKey)
    .vec([...pkg.verifyingShares], (w, [id, p]) => w.u32(id).vecU8(p))
    .finish()
}

export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  let fields: { scheme: string; threshold: number; group: Uint8Array; shares: Array<[number, Uint8Array]> }
  try {
    const r = new ScaleReader(bytes)
    const v = r.u8()
    if (v !== VERSION) throw new MpcError('MPC_BAD_MESSAGE', 'unknown key package version', { version: v })
    fields = {
      scheme: r.string(),
      threshold: r.u32(),
      group: r.vecU8().slice(),
      shares: r.vec((x) => [x.u32(), x.vecU8().slice()] as [number, Uint8Array]),
    }
    r.end()
  } catch (e) {
    if (e instanceof MpcError) throw e
    if (e instanceof ScaleError) throw new MpcError('MPC_BAD_MESSAGE', 'malformed key package', {}, { cause: e })
    throw e
  }
  return createKeyPackage({
    scheme: fields.scheme as SchemeId,
    threshold: fields.threshold,
    groupPublicKey: fields.group,
    verifyingShares: fields.shares,
  })
}
