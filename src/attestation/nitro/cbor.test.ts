import { describe, expect, it } from 'vitest'
import { encodeCbor, Indefinite } from '../../../test/support/nitro.js'
import { fromHex } from '../../crypto/index.js'
import { CborTag, decodeCbor } from './cbor.js'
import { NitroError } from './errors.js'

const code = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return e instanceof NitroError ? e.code : `not a NitroError: ${String(e)}`
  }
  return undefined
}

describe('decodeCbor', () => {
  it('reads definite and indefinite-length maps to the same value', () => {
    const entries: [string | number, Uint8Array | number | string][] = [
      ['module_id', 'i-1'],
      [0, Uint8Array.of(1, 2)],
      ['timestamp', 1766668537578],
    ]
    const definite = encodeCbor(new Map(entries))
    const indefinite = encodeCbor(new Indefinite(new Map(entries)))
    expect(definite[0]).toBe(0xa3)
    expect(indefinite[0]).toBe(0xbf)
    expect(indefinite[indefinite.length - 1]).toBe(0xff)
    expect(decodeCbor(indefinite)).toEqual(decodeCbor(definite))
    expect(decodeCbor(definite)).toEqual(new Map(entries))
  })

  it('reads RFC 8949 Appendix A examples', () => {
    expect(decodeCbor(fromHex('1903e8'))).toBe(1000)
    expect(decodeCbor(fromHex('3903e7'))).toBe(-1000)
    expect(decodeCbor(fromHex('1b000000e8d4a51000'))).toBe(1000000000000)
    expect(decodeCbor(fromHex('1bffffffffffffffff'))).toBe(18446744073709551615n)
    expect(decodeCbor(fromHex('3bffffffffffffffff'))).toBe(-18446744073709551616n)
    expect(decodeCbor(fromHex('6449455446'))).toBe('IETF')
    expect(decodeCbor(fromHex('9f018202039f0405ffff'))).toEqual([1, [2, 3], [4, 5]])
    expect(decodeCbor(fromHex('f6'))).toBeNull()
    const t = decodeCbor(fromHex('d24101'))
    expect(t).toBeInstanceOf(CborTag)
    expect((t as CborTag).tag).toBe(18)
  })

  it('keeps integer and text keys apart', () => {
    const m = decodeCbor(
      encodeCbor(
        new Map<number | string, number>([
          [0, 1],
          ['0', 2],
        ]),
      ),
    ) as Map<unknown, unknown>
    expect(m.get(0)).toBe(1)
    expect(m.get('0')).toBe(2)
  })

  it('returns byte strings as views of the input', () => {
    const bytes = encodeCbor([Uint8Array.of(9, 8, 7)])
    const [b] = decodeCbor(bytes) as Uint8Array[]
    expect(b?.buffer).toBe(bytes.buffer)
  })

  it.each([
    ['duplicate map key', 'a2616101616102'],
    ['duplicate key in an indefinite map', 'bf6161016161 02ff'],
    ['trailing bytes', '0101'],
    ['truncated', '5903'],
    ['indefinite byte string', '5f4101ff'],
    ['float', 'f93c00'],
    ['array key', 'a18001'],
    ['stray break', 'ff'],
    ['break in a definite array', '82 01ff'],
    ['bad UTF-8', '61ff'],
    ['reserved additional info', '1c'],
    ['too deep', `${'81'.repeat(20)}01`],
  ])('rejects %s', (_name, hex) => {
    expect(code(() => decodeCbor(fromHex(hex.replace(/ /g, ''))))).toBe('NITRO_MALFORMED')
  })
})
