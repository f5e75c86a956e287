/**
 * Byte encoding of every protocol payload in this layer (the transport's envelope carries epoch, session,
 * round, sender and its signature; these bytes are what it carries):
 *
 *   payload = u8 version (= 1) ‖ u8 kind ‖ body
 *
 * Bodies are SCALE (parity-scale-codec, src/crypto/scale.ts): u32 little-endian, `vec` = compact length then
 * items, `bytes(n)` = n raw bytes. Points and scalars have the fixed length of the session's scheme (see
 * suites.ts), so they are written raw. Encoding is deterministic and decoding is strict: canonical compact
 * lengths only, exact field lengths, no trailing bytes, unknown version/kind refused (MPC_BAD_MESSAGE).
 * Kinds are never reused with another meaning.
 */
import { ScaleError, ScaleReader, ScaleWriter } from '../crypto/index.js'
import { MpcError } from './errors.js'

export const WIRE_VERSION = 1

export const KIND = {
  dkgRound1: 0x01,
  dkgEcho: 0x02,
  dkgShare: 0x03,
  dkgStatus: 0x04,
  signCommitment: 0x10,
  signShare: 0x11,
} as const
export type MessageKind = keyof typeof KIND

export function writer(kind: MessageKind): ScaleWriter {
  return new ScaleWriter().u8(WIRE_VERSION).u8(KIND[kind])
}

/** Decode `bytes` as a `kind` message with `body`; any decoding problem becomes MPC_BAD_MESSAGE. */
export function readMessage<T>(bytes: Uint8Array, kind: MessageKind, body: (r: ScaleReader) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new MpcError('MPC_BAD_MESSAGE', `${kind}: payload must be bytes`)
  try {
    const r = new ScaleReader(bytes)
    const v = r.u8()
    if (v !== WIRE_VERSION) throw new MpcError('MPC_BAD_MESSAGE', `${kind}: unknown version`, { version: v })
    const k = r.u8()
    if (k !== KIND[kind]) throw new MpcError('MPC_BAD_MESSAGE', `${kind}: wrong message kind`, { kind: k })
    const out = body(r)
    r.end()
    return out
  } catch (e) {
    if (e instanceof MpcError) throw e
    if (e instanceof ScaleError || e instanceof RangeError || e instanceof TypeError)
      throw new MpcError('MPC_BAD_MESSAGE', `${kind}: malformed payload`, { length: bytes.length }, { cause: e })
    throw e
  }
}

/** The message kind of a payload, or undefined for anything that is not a version-1 payload of a known kind. */
export function kindOf(bytes: Uint8Array): MessageKind | undefined {
  if (bytes.length < 2 || bytes[0] !== WIRE_VERSION) return undefined
  return (Object.keys(KIND) as MessageKind[]).find((k) => KIND[k] === bytes[1])
}
