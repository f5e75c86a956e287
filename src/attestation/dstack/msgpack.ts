import { DecodeError, decode } from '@msgpack/msgpack'
import { AttestationError } from '../errors.js'

/**
 * Reading the msgpack dstack writes with `rmp_serde` (AppInfo, VersionedAttestation V1) into checked values.
 * Every failure is an `ATTESTATION_MALFORMED` naming the field, never a library exception: the bytes come from
 * untrusted certificates and CSRs.
 */

/** A plain decoded msgpack map (string keys, as serde field names). */
export type MsgpackMap = Record<string, unknown>

/**
 * One whole msgpack value; trailing bytes are refused (dstack's `from_msgpack` does the same). The library
 * refuses a `__proto__` key, so a map never changes an object's prototype.
 */
export function decodeMsgpack(bytes: Uint8Array, what: string): unknown {
  checkShape(bytes, what)
  try {
    // the shape check bounds every declared length by the bytes left, so these limits only restate it
    return decode(bytes, { maxArrayLength: bytes.length, maxMapLength: bytes.length })
  } catch (e) {
    // DecodeError (bad marker, bad key), RangeError (truncated, extra bytes, too deep): all are bad input
    const why = e instanceof DecodeError || e instanceof RangeError ? e.message : 'cannot decode'
    throw new AttestationError('ATTESTATION_MALFORMED', `${what}: invalid msgpack (${why})`, {}, { cause: e })
  }
}

/**
 * Deepest nesting accepted. dstack's V1 schema nests 5 deep (attestation → platform → data → event_log → event);
 * 16 leaves room for fields serde would ignore, while bounding the decoder's per-level state.
 */
export const MAX_MSGPACK_DEPTH = 16

/**
 * One structural pass before decoding: a single complete value, nesting at most MAX_MSGPACK_DEPTH, and no
 * container declaring more elements than bytes remain. Without it, 10 MB of nested one-element arrays costs
 * the library's decoder ~2 GB and seconds, and a 5-byte array32 header makes it allocate a 2^31-slot array.
 */
export function checkShape(b: Uint8Array, what: string): void {
  const fail = (why: string, offset: number): never => {
    throw new AttestationError('ATTESTATION_MALFORMED', `${what}: invalid msgpack (${why})`, { offset })
  }
  const be = (at: number, n: number): number => {
    if (at + n > b.length) fail('truncated', at)
    let v = 0
    for (let i = 0; i < n; i++) v = v * 256 + (b[at + i] as number)
    return v
  }
  /** remaining element count (map entries count twice) of each open container */
  const open: number[] = []
  let pos = 0
  for (;;) {
    if (pos >= b.length) fail('truncated', pos)
    const m = b[pos] as number
    let next = pos + 1
    let children = -1
    if (m <= 0x7f || m >= 0xe0 || m === 0xc0 || m === 0xc2 || m === 0xc3) {
      // fixint, nil, bool
    } else if (m <= 0x8f) children = 2 * (m & 0x0f)
    else if (m <= 0x9f) children = m & 0x0f
    else if (m <= 0xbf) next += m & 0x1f
    else if (m === 0xc4 || m === 0xd9) next += 1 + be(pos + 1, 1)
    else if (m === 0xc5 || m === 0xda) next += 2 + be(pos + 1, 2)
    else if (m === 0xc6 || m === 0xdb) next += 4 + be(pos + 1, 4)
    else if (m === 0xc7) next += 2 + be(pos + 1, 1)
    else if (m === 0xc8) next += 3 + be(pos + 1, 2)
    else if (m === 0xc9) next += 5 + be(pos + 1, 4)
    else if (m === 0xca) next += 4
    else if (m === 0xcb) next += 8
    else if (m >= 0xcc && m <= 0xd3) next += 1 << (m & 0x03)
    else if (m >= 0xd4 && m <= 0xd8) next += 1 + (1 << (m - 0xd4))
    else if (m === 0xdc || m === 0xde) {
      children = be(pos + 1, 2) * (m === 0xde ? 2 : 1)
      next += 2
    } else if (m === 0xdd || m === 0xdf) {
      children = be(pos + 1, 4) * (m === 0xdf ? 2 : 1)
      next += 4
    } else fail(`reserved type byte 0x${m.toString(16)}`, pos)
    if (next > b.length) fail('truncated', pos)
    pos = next
    if (children > 0) {
      if (children > b.length - pos) fail('a container declares more elements than bytes remain', pos)
      open.push(children)
      if (open.length > MAX_MSGPACK_DEPTH) fail(`nested deeper than ${MAX_MSGPACK_DEPTH}`, pos)
      continue
    }
    // a value ended: close every container it completes
    while (open.length > 0) {
      const i = open.length - 1
      open[i] = (open[i] as number) - 1
      if ((open[i] as number) > 0) break
      open.pop()
    }
    if (open.length === 0) break
  }
  if (pos !== b.length) fail(`${b.length - pos} trailing bytes`, pos)
}

const bad = (field: string, expected: string): AttestationError =>
  new AttestationError('ATTESTATION_MALFORMED', `${field}: expected ${expected}`, { field })

export function mapOf(v: unknown, field: string): MsgpackMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw bad(field, 'a msgpack map')
  return v as MsgpackMap
}

export function arrayOf(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw bad(field, 'a msgpack array')
  return v
}

export function stringOf(v: unknown, field: string): string {
  if (typeof v !== 'string') throw bad(field, 'a string')
  return v
}

export function u32Of(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad(field, 'a u32')
  return v
}

/**
 * A Rust `Vec<u8>`. serde writes a plain `Vec<u8>` as an array of integers but a `serde_human_bytes`/`base64`
 * field as msgpack bin; dstack's V1 schema has both kinds, so either form is read (the bytes mean the same).
 */
export function bytesOf(v: unknown, field: string): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (Array.isArray(v)) {
    const out = new Uint8Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const b = v[i]
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) throw bad(field, 'bytes')
      out[i] = b
    }
    return out
  }
  throw bad(field, 'bytes')
}

/** A serde struct field that must be present (serde errors on a missing non-default field). */
export function fieldOf(m: MsgpackMap, name: string, path: string): unknown {
  if (!Object.hasOwn(m, name)) throw bad(`${path}.${name}`, 'the field to be present')
  return m[name]
}
