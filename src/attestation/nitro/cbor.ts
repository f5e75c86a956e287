import { NitroError } from './errors.js'

/**
 * A small strict CBOR decoder (RFC 8949) for the COSE_Sign1 envelope and the NSM attestation document.
 *
 * Why not cbor-x (installed): it decodes indefinite-length maps fine, but it turns integer map keys into strings
 * (`pcrs` key 0 and a text key "0" become the same property), keeps the last of duplicate keys silently, applies
 * its own tag extensions, and cannot report where a document is malformed. A signed attestation must have exactly
 * one reading, so this decoder refuses duplicate keys, keys other than integers or text, floats, indefinite-length
 * strings, nesting deeper than 16 and trailing bytes. Byte strings are returned as views of the input (zero copy),
 * which gives the exact protected-header and payload bytes COSE signs over.
 */

export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export type CborKey = number | string
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | Map<CborKey, CborValue>
  | CborTag

const MAX_DEPTH = 16
const BREAK = Symbol('break')
const utf8 = new TextDecoder('utf-8', { fatal: true })

class Reader {
  offset = 0
  constructor(readonly bytes: Uint8Array) {}

  fail(message: string, at = this.offset): never {
    throw new NitroError('NITRO_MALFORMED', `CBOR: ${message} at byte ${at}`, { offset: at })
  }

  byte(): number {
    if (this.offset >= this.bytes.length) this.fail('unexpected end of data')
    return this.bytes[this.offset++] as number
  }

  take(n: number): Uint8Array {
    if (n > this.bytes.length - this.offset) this.fail(`length ${n} runs past the end of the data`)
    const out = this.bytes.subarray(this.offset, this.offset + n)
    this.offset += n
    return out
  }

  /** The argument of a head (additional info 0..27); `undefined` for indefinite length (31). */
  argument(info: number, at: number): number | bigint | undefined {
    if (info < 24) return info
    if (info === 24) return this.byte()
    if (info === 25) return (this.byte() << 8) | this.byte()
    if (info === 26) return ((this.byte() << 24) >>> 0) + (this.byte() << 16) + (this.byte() << 8) + this.byte()
    if (info === 27) {
      const b = this.take(8)
      const v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0)
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
    }
    if (info === 31) return undefined
    return this.fail(`reserved additional information ${info}`, at)
  }

  length(info: number, at: number): number | undefined {
    const n = this.argument(info, at)
    if (typeof n === 'bigint') return this.fail('length too large', at)
    return n
  }

  item(depth: number): CborValue | typeof BREAK {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`)
    const at = this.offset
    const head = this.byte()
    const major = head >> 5
    const info = head & 0x1f
    switch (major) {
      case 0: {
        const v = this.argument(info, at)
        if (v === undefined) return this.fail('indefinite-length integer', at)
        return v
      }
      case 1: {
        const v = this.argument(info, at)
        if (v === undefined) return this.fail('indefinite-length integer', at)
        return typeof v === 'bigint' || v >= Number.MAX_SAFE_INTEGER ? -1n - BigInt(v) : -1 - v
      }
      case 2:
      case 3: {
        const n = this.length(info, at)
        if (n === undefined) return this.fail('indefinite-length strings are not accepted', at)
        const raw = this.take(n)
        if (major === 2) return raw
        try {
          return utf8.decode(raw)
        } catch {
          return this.fail('text string is not valid UTF-8', at)
        }
      }
      case 4: {
        const n = this.length(info, at)
        const out: CborValue[] = []
        for (let i = 0; n === undefined || i < n; i++) {
          const v = this.item(depth + 1)
          if (v === BREAK) {
            if (n !== undefined) this.fail('unexpected break in a definite-length array')
            break
          }
          out.push(v)
        }
        return out
      }
      case 5: {
        const n = this.length(info, at)
        const out = new Map<CborKey, CborValue>()
        for (let i = 0; n === undefined || i < n; i++) {
          const keyAt = this.offset
          const k = this.item(depth + 1)
          if (k === BREAK) {
            if (n !== undefined) this.fail('unexpected break in a definite-length map')
            break
          }
          if (typeof k !== 'number' && typeof k !== 'string') this.fail('map key is not an integer or text', keyAt)
          if (out.has(k)) this.fail(`duplicate map key ${JSON.stringify(k)}`, keyAt)
          const v = this.item(depth + 1)
          if (v === BREAK) this.fail('map key without a value')
          out.set(k, v)
        }
        return out
      }
      case 6: {
        const tag = this.argument(info, at)
        if (tag === undefined || typeof tag === 'bigint') return this.fail('bad tag number', at)
        const v = this.item(depth + 1)
        if (v === BREAK) return this.fail('tag without content', at)
        return new CborTag(tag, v)
      }
      default: {
        if (info === 20) return false
        if (info === 21) return true
        if (info === 22) return null
        if (info === 23) return undefined
        if (info === 31) return BREAK
        return this.fail('floating-point and simple values are not accepted', at)
      }
    }
  }
}

/** Decode exactly one CBOR item filling `bytes`. @throws NitroError NITRO_MALFORMED (meta.offset) */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const r = new Reader(bytes)
  const v = r.item(0)
  if (v === BREAK) return r.fail('unexpected break', 0)
  if (r.offset !== bytes.length) r.fail(`${bytes.length - r.offset} trailing bytes`)
  return v
}

/** CBOR head for major type `major` with argument `n` (shortest form). */
export function cborHead(major: number, n: number): Uint8Array {
  const m = major << 5
  if (n < 24) return Uint8Array.of(m | n)
  if (n < 0x100) return Uint8Array.of(m | 24, n)
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff)
  if (n <= 0xffffffff) return Uint8Array.of(m | 26, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
  throw new RangeError('CBOR length above 2^32 is not supported')
}
