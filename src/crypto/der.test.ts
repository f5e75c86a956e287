import { describe, expect, it } from 'vitest'
import { DerError, encodeTlv, oidOf, readTop, TAG } from './der.js'

const oid = (hex: string) => {
  const b = encodeTlv(TAG.OID, Uint8Array.from(Buffer.from(hex, 'hex')))
  return oidOf(b, readTop(b))
}

describe('DER OID', () => {
  it('reads well-known OIDs', () => {
    expect(oid('2a8648ce3d0201')).toBe('1.2.840.10045.2.1') // id-ecPublicKey
    expect(oid('2a864886f84d010d01')).toBe('1.2.840.113741.1.13.1') // Intel SGX extensions
    expect(oid('550403')).toBe('2.5.4.3')
  })

  it('keeps arcs above 2^53 exact (2.25.<UUID>, X.667)', () => {
    // 2.25.329800735698586629295641978511506172918 (the UUID example of RFC 4122 / X.667)
    const uuid = 329800735698586629295641978511506172918n
    const arcs: number[] = []
    for (let v = uuid; v > 0n; v >>= 7n) arcs.unshift(Number(v & 0x7fn))
    const body = [0x69, ...arcs.map((a, i) => (i < arcs.length - 1 ? a | 0x80 : a))] // 0x69 = 2*40+25
    const text = oid(Buffer.from(body).toString('hex'))
    expect(text).toBe(`2.25.${uuid}`)
  })

  it('refuses non-minimal and truncated arcs, and the empty OID', () => {
    expect(() => oid('2a80863f')).toThrow(DerError)
    expect(() => oid('2a86')).toThrow(/truncated/)
    expect(() => oid('')).toThrow(/empty OID/)
  })
})
