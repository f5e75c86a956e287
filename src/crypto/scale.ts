/**
 * Minimal SCALE codec (parity-scale-codec), enough for dstack's wire structs:
 * compact integers, u8/u32/u64 little-endian, bool, Option, Vec<u8>, String, Vec<T>.
 * Written here because no maintained npm SCALE codec is small and dependency-free; the
 * @polkadot packages pull a whole chain runtime.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js'

export class ScaleError extends Error {
  override name = 'ScaleError'
}

export class ScaleWriter {
  #chunks: Uint8Array[] = []
  #len = 0

  bytes(b: Uint8Array): this {
    this.#chunks.push(b)
    this.#len += b.length
    return this
  }
  u8(n: number): this {
    return this.bytes(Uint8Array.of(n & 0xff))
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0)
  }
  u32(n: number): this {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n, true)
    return this.bytes(b)
  }
  u64(n: bigint): this {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigUint64(0, n, true)
    return this.bytes(b)
  }
  compact(n: number | bigint): this {
    const v = BigInt(n)
    if (v < 0n) throw new ScaleError('compact: negative')
    if (v < 1n << 6n) return this.u8(Number(v << 2n))
    if (v < 1n << 14n) {
      const x = Number((v << 2n) | 1n)
      return this.bytes(Uint8Array.of(x & 0xff, x >> 8))
    }
    if (v < 1n << 30n) {
      const b = new Uint8Array(4)
      new DataView(b.buffer).setUint32(0, Number((v << 2n) | 2n), true)
      return this.bytes(b)
    }
    const out: number[] = []
    let x = v
    while (x > 0n) {
      out.push(Number(x & 0xffn))
      x >>= 8n
    }
    if (out.length > 67) throw new ScaleError('compact: too large')
    return this.u8(((out.length - 4) << 2) | 3).bytes(Uint8Array.from(out))
  }
  /** Vec<u8>: compact length + bytes */
  vecU8(b: Uint8Array): this {
    return this.compact(b.length).bytes(b)
  }
  string(s: string): this {
    return this.vecU8(utf8ToBytes(s))
  }
  option<T>(v: T | undefined | null, write: (w: this, v: T) => void): this {
    if (v === undefined || v === null) return this.u8(0)
    this.u8(1)
    write(this, v)
    return this
  }
  vec<T>(items: readonly T[], write: (w: this, v: T) => void): this {
    this.compact(items.length)
    for (const it of items) write(this, it)
    return this
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.#len)
    let off = 0
    for (const c of this.#chunks) {
      out.set(c, off)
      off += c.length
    }
    return out
  }
}

/** Bytes of the canonical compact encoding of v ≥ 0. */
function compactSize(v: bigint): number {
  if (v < 1n << 6n) return 1
  if (v < 1n << 14n) return 2
  if (v < 1n << 30n) return 4
  let n = 0
  for (let x = v; x > 0n; x >>= 8n) n++
  return 1 + n
}

const nonCanonical = (v: number | bigint, at: number, size: number) =>
  new ScaleError(`non-canonical compact integer at offset ${at}: ${v} must be encoded in ${size} byte(s)`)

export class ScaleReader {
  #b: Uint8Array
  #off = 0
  readonly #dv: DataView

  constructor(bytes: Uint8Array) {
    this.#b = bytes
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  get offset(): number {
    return this.#off
  }
  get remaining(): number {
    return this.#b.length - this.#off
  }
  #need(n: number): void {
    if (n < 0 || this.#off + n > this.#b.length)
      throw new ScaleError(`truncated input: need ${n} bytes at offset ${this.#off}, have ${this.remaining}`)
  }
  bytes(n: number): Uint8Array {
    this.#need(n)
    const out = this.#b.subarray(this.#off, this.#off + n)
    this.#off += n
    return out
  }
  /** All remaining bytes (for unprefixed trailing fields). */
  rest(): Uint8Array {
    return this.bytes(this.remaining)
  }
  u8(): number {
    this.#need(1)
    return this.#b[this.#off++] as number
  }
  bool(): boolean {
    const v = this.u8()
    if (v > 1) throw new ScaleError(`invalid bool byte ${v}`)
    return v === 1
  }
  u32(): number {
    this.#need(4)
    const v = this.#dv.getUint32(this.#off, true)
    this.#off += 4
    return v
  }
  u64(): bigint {
    this.#need(8)
    const v = this.#dv.getBigUint64(this.#off, true)
    this.#off += 8
    return v
  }
  /**
   * A compact integer, canonical only (as parity-scale-codec's `Compact<u32/u64/u128>` decode): each mode must
   * be the smallest that fits — one byte below 2^6, two below 2^14, four below 2^30, and the big-integer mode
   * with the fewest bytes (no zero top byte) for 2^30 and up. A value has exactly one encoding, so
   * re-encoding what was decoded gives back the same bytes (signatures over SCALE rely on this).
   */
  compactBig(): bigint {
    const at = this.#off
    const first = this.u8()
    const mode = first & 3
    if (mode === 0) return BigInt(first >> 2)
    if (mode === 1) {
      const v = (first | (this.u8() << 8)) >> 2
      if (v < 1 << 6) throw nonCanonical(v, at, 1)
      return BigInt(v)
    }
    if (mode === 2) {
      this.#off -= 1
      const v = this.u32() >>> 2
      if (v < 1 << 14) throw nonCanonical(v, at, v < 1 << 6 ? 1 : 2)
      return BigInt(v)
    }
    const n = (first >> 2) + 4
    const b = this.bytes(n)
    let v = 0n
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number)
    if (v < 1n << 30n || b[n - 1] === 0) throw nonCanonical(v, at, compactSize(v))
    return v
  }
  /** Compact length, bounded by the bytes left so hostile prefixes cannot allocate. */
  compactLen(): number {
    const v = this.compactBig()
    if (v > BigInt(this.remaining)) throw new ScaleError(`length ${v} exceeds remaining input ${this.remaining}`)
    return Number(v)
  }
  vecU8(): Uint8Array {
    return this.bytes(this.compactLen())
  }
  string(): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.vecU8())
    } catch (e) {
      if (e instanceof ScaleError) throw e
      throw new ScaleError('invalid UTF-8 in string')
    }
  }
  option<T>(read: (r: this) => T): T | undefined {
    const tag = this.u8()
    if (tag === 0) return undefined
    if (tag !== 1) throw new ScaleError(`invalid Option tag ${tag}`)
    return read(this)
  }
  vec<T>(read: (r: this) => T): T[] {
    const n = this.compactLen()
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(read(this))
    return out
  }
  end(): void {
    if (this.remaining !== 0) throw new ScaleError(`${this.remaining} unexpected trailing bytes`)
  }
}
