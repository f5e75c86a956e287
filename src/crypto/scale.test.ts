/**
 * SCALE codec known answers. Expected bytes are hard-coded from parity-scale-codec (README "Compact/General
 * Integers" table and `compact_integers_encoded_as_expected` in src/compact.rs), never produced by our writer.
 */
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './hex.js'
import { ScaleError, ScaleReader, ScaleWriter } from './scale.js'

const enc = (f: (w: ScaleWriter) => unknown) => {
  const w = new ScaleWriter()
  f(w)
  return toHex(w.finish())
}
const h = (s: string) => fromHex(s.replace(/\s+/g, ''))
/** Decode a whole input with `f`, requiring every byte to be consumed. */
function dec<T>(hex: string, f: (r: ScaleReader) => T): T {
  const r = new ScaleReader(h(hex))
  const v = f(r)
  r.end()
  return v
}
function scaleError(f: () => unknown): ScaleError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ScaleError)
    return e as ScaleError
  }
  throw new Error('expected a ScaleError')
}

/** parity-scale-codec compact.rs `compact_integers_encoded_as_expected` plus the README examples. */
const COMPACT: Array<[bigint, string]> = [
  [0n, '00'],
  [1n, '04'],
  [42n, 'a8'],
  [63n, 'fc'],
  [64n, '01 01'],
  [69n, '15 01'],
  [16383n, 'fd ff'],
  [16384n, '02 00 01 00'],
  [65535n, 'fe ff 03 00'],
  [(1n << 30n) - 1n, 'fe ff ff ff'],
  [1n << 30n, '03 00 00 00 40'],
  [(1n << 32n) - 1n, '03 ff ff ff ff'],
  [1n << 32n, '07 00 00 00 00 01'],
  [1n << 40n, '0b 00 00 00 00 00 01'],
  [1n << 48n, '0f 00 00 00 00 00 00 01'],
  [100000000000000n, '0b 00 40 7a 10 f3 5a'],
  [(1n << 56n) - 1n, '0f ff ff ff ff ff ff ff'],
  [1n << 56n, '13 00 00 00 00 00 00 00 01'],
  [(1n << 64n) - 1n, '13 ff ff ff ff ff ff ff ff'],
  [(1n << 128n) - 1n, `33 ${'ff '.repeat(16)}`],
]

describe('compact integers (known answers)', () => {
  it.each(COMPACT)('%s ↔ %s', (value, hex) => {
    const bytes = hex.replace(/\s+/g, '')
    expect(enc((w) => w.compact(value))).toBe(bytes)
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) expect(enc((w) => w.compact(Number(value)))).toBe(bytes)
    expect(dec(hex, (r) => r.compactBig())).toBe(value)
  })

  it('the writer refuses negatives and values beyond the 67-byte big-integer mode', () => {
    expect(scaleError(() => new ScaleWriter().compact(-1)).message).toMatch(/negative/)
    expect(scaleError(() => new ScaleWriter().compact(1n << 536n)).message).toMatch(/too large/)
    expect(enc((w) => w.compact((1n << 536n) - 1n))).toBe(`ff${'ff'.repeat(67)}`)
  })
})

describe('non-canonical compact integers are refused (as parity-scale-codec does)', () => {
  const NON_CANONICAL: Array<[string, string]> = [
    ['0 in two-byte mode', '01 00'],
    ['1 in two-byte mode', '05 00'],
    ['63 in two-byte mode', 'fd 00'],
    ['0 in four-byte mode', '02 00 00 00'],
    ['63 in four-byte mode', 'fe 00 00 00'],
    ['2^14-1 in four-byte mode', 'fe ff 00 00'],
    ['0 in big-integer mode', '03 00 00 00 00'],
    ['2^30-1 in big-integer mode', '03 ff ff ff 3f'],
    ['2^24 in big-integer mode', '03 00 00 00 01'],
    ['2^32-1 in five bytes', '07 ff ff ff ff 00'],
    ['0 in five bytes', '07 00 00 00 00 00'],
    ['2^56-1 in eight bytes', '13 ff ff ff ff ff ff ff 00'],
    ['2^64-1 with a zero top byte (nine bytes)', '17 ff ff ff ff ff ff ff ff 00'],
  ]
  it.each(NON_CANONICAL)('%s (%s)', (_what, hex) => {
    const e = scaleError(() => new ScaleReader(h(hex)).compactBig())
    expect(e.message).toMatch(/^non-canonical compact integer at offset 0: /)
    // …and through every reader that takes a compact length
    expect(scaleError(() => new ScaleReader(h(`${hex} ${'00'.repeat(70)}`)).vecU8()).message).toMatch(/non-canonical/)
  })

  it('reports the offset and the canonical size', () => {
    expect(scaleError(() => dec('2a 05 00', (r) => [r.u8(), r.compactBig()])).message).toMatch(
      /^non-canonical compact integer at offset 1: 1 must be encoded in 1 byte\(s\)$/,
    )
    expect(scaleError(() => dec('07 ff ff ff ff 00', (r) => r.compactBig())).message).toMatch(
      /4294967295 must be encoded in 5 byte\(s\)$/,
    )
  })

  it('the smallest value of every mode is accepted', () => {
    expect(dec('01 01', (r) => r.compactBig())).toBe(64n)
    expect(dec('02 00 01 00', (r) => r.compactBig())).toBe(16384n)
    expect(dec('03 00 00 00 40', (r) => r.compactBig())).toBe(1n << 30n)
    expect(dec('07 00 00 00 00 01', (r) => r.compactBig())).toBe(1n << 32n)
  })

  it('truncated compact integers are refused', () => {
    for (const hex of ['', '01', '02 00 01', '03 00 00 00', '13 ff ff ff'])
      expect(scaleError(() => new ScaleReader(h(hex)).compactBig()).message).toMatch(/truncated/)
  })
})

describe('fixed-width integers, bool, Option, Vec, String (known answers)', () => {
  it('u8/u32/u64 are little-endian', () => {
    expect(enc((w) => w.u8(0x2a))).toBe('2a')
    expect(enc((w) => w.u32(16777215))).toBe('ffffff00')
    expect(enc((w) => w.u32(0x12345678))).toBe('78563412')
    expect(enc((w) => w.u64(0x0102030405060708n))).toBe('0807060504030201')
    expect(enc((w) => w.u64((1n << 64n) - 1n))).toBe('ffffffffffffffff')
    expect(dec('78563412', (r) => r.u32())).toBe(0x12345678)
    expect(dec('0807060504030201', (r) => r.u64())).toBe(0x0102030405060708n)
    expect(dec('2a', (r) => r.u8())).toBe(42)
  })

  it('bool is 00/01 and nothing else', () => {
    expect(enc((w) => w.bool(false).bool(true))).toBe('0001')
    expect(dec('0001', (r) => [r.bool(), r.bool()])).toEqual([false, true])
    expect(scaleError(() => new ScaleReader(h('02')).bool()).message).toMatch(/invalid bool byte 2/)
  })

  it('Option<T> is 00 for None, 01 ‖ T for Some; other tags are refused', () => {
    expect(enc((w) => w.option<number>(undefined, (x, v) => x.u32(v)))).toBe('00')
    expect(enc((w) => w.option<number>(null, (x, v) => x.u32(v)))).toBe('00')
    expect(enc((w) => w.option(1, (x, v) => x.u32(v)))).toBe('0101000000')
    expect(enc((w) => w.option(1_700_000_000n, (x, v) => x.u64(v)))).toBe('0100f1536500000000')
    expect(dec('00', (r) => r.option((x) => x.u32()))).toBeUndefined()
    expect(dec('0101000000', (r) => r.option((x) => x.u32()))).toBe(1)
    expect(scaleError(() => new ScaleReader(h('02 01000000')).option((x) => x.u32())).message).toMatch(
      /invalid Option tag 2/,
    )
  })

  it('Vec<u8> and String carry a compact length prefix', () => {
    expect(enc((w) => w.vecU8(new Uint8Array(0)))).toBe('00')
    expect(enc((w) => w.vecU8(Uint8Array.of(1, 2, 3)))).toBe('0c010203')
    expect(enc((w) => w.vecU8(new Uint8Array(64).fill(0xaa)))).toBe(`0101${'aa'.repeat(64)}`)
    expect(enc((w) => w.string('Hello'))).toBe('1448656c6c6f')
    expect(enc((w) => w.string('ü'))).toBe('08c3bc')
    expect(toHex(dec('0c010203', (r) => r.vecU8()))).toBe('010203')
    expect(dec('1448656c6c6f', (r) => r.string())).toBe('Hello')
    expect(dec(`0101${'aa'.repeat(64)}`, (r) => r.vecU8().length)).toBe(64)
    expect(scaleError(() => dec('04ff', (r) => r.string())).message).toMatch(/invalid UTF-8/)
  })

  it('Vec<T> is a compact count then the items (README: Vec<u16> [4, 8, 15, 16, 23, 42])', () => {
    const items = [4, 8, 15, 16, 23, 42]
    // u16 items written as two little-endian bytes
    const u16 = (x: ScaleWriter, v: number) => x.u8(v & 0xff).u8(v >> 8)
    expect(enc((w) => w.vec(items, u16))).toBe('18040008000f00100017002a00')
    expect(dec('18040008000f00100017002a00', (r) => r.vec((x) => x.u8() | (x.u8() << 8))).join()).toBe(items.join())
    expect(enc((w) => w.vec(['a', 'bc'], (x, v) => x.string(v)))).toBe('080461086263')
  })

  it('lengths beyond the input, truncation and trailing bytes are refused', () => {
    expect(scaleError(() => new ScaleReader(h('0c0102')).vecU8()).message).toMatch(/exceeds remaining input/)
    expect(scaleError(() => new ScaleReader(h('03 00 00 00 40')).vec((r) => r.u8())).message).toMatch(
      /exceeds remaining input/,
    )
    expect(scaleError(() => new ScaleReader(h('010203')).u32()).message).toMatch(/truncated/)
    expect(scaleError(() => dec('0400', (r) => r.compactBig())).message).toMatch(/1 unexpected trailing bytes/)
    const r = new ScaleReader(h('0c01020304'))
    expect(toHex(r.vecU8())).toBe('010203')
    expect([r.offset, r.remaining, toHex(r.rest()), r.remaining]).toEqual([4, 1, '04', 0])
  })
})
