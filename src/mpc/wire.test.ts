/** Byte layout of every payload (a changed byte is a wire break and shows here), strict decoding, round trips. */
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import {
  decodeEcho,
  decodeRound1,
  decodeShare,
  decodeStatus,
  encodeEcho,
  encodeRound1,
  encodeShare,
  encodeStatus,
} from './dkg/messages.js'
import { decodeKeyPackage, encodeKeyPackage } from './frost/keyPackageCodec.js'
import {
  decodeSignatureShare,
  decodeSigningCommitment,
  encodeSignatureShare,
  encodeSigningCommitment,
} from './frost/messages.js'
import { dealKey, seededRng } from './testKit.js'
import { kindOf } from './wire.js'

const b = (n: number, v: number) => new Uint8Array(n).fill(v)

describe('payload bytes (Secp256k1Frost lengths: point 33, scalar 32, proof 65)', () => {
  const scheme = 'Secp256k1Frost' as const
  const cases = [
    {
      name: 'dkg round1',
      value: { dealer: 7, commitment: [b(33, 2), b(33, 3)], proofOfKnowledge: b(65, 4) },
      encode: (v: never) => encodeRound1(scheme, v),
      hex: `0101 07000000 08 ${'02'.repeat(33)}${'03'.repeat(33)} ${'04'.repeat(65)}`,
      decode: (x: Uint8Array) => decodeRound1(scheme, x),
    },
    {
      name: 'dkg echo',
      value: { sender: 258, round1Hash: b(32, 0xab) },
      encode: (v: never) => encodeEcho(v),
      hex: `0102 02010000 ${'ab'.repeat(32)}`,
      decode: decodeEcho,
    },
    {
      name: 'dkg share',
      value: { dealer: 1, receiver: 2, share: b(32, 5), signature: b(64, 6) },
      encode: (v: never) => encodeShare(scheme, v),
      hex: `0103 01000000 02000000 ${'05'.repeat(32)} 0101 ${'06'.repeat(64)}`,
      decode: (x: Uint8Array) => decodeShare(scheme, x),
    },
    {
      name: 'dkg status (one complaint)',
      value: { sender: 3, complaints: [{ dealer: 1, share: b(32, 7), signature: b(2, 8) }] },
      encode: (v: never) => encodeStatus(scheme, v),
      hex: `0104 03000000 04 01000000 ${'07'.repeat(32)} 08 0808`,
      decode: (x: Uint8Array) => decodeStatus(scheme, x),
    },
    {
      name: 'dkg status (no complaint)',
      value: { sender: 3, complaints: [] },
      encode: (v: never) => encodeStatus(scheme, v),
      hex: '0104 03000000 00',
      decode: (x: Uint8Array) => decodeStatus(scheme, x),
    },
    {
      name: 'sign commitment',
      value: { participant: 4, hiding: b(33, 2), binding: b(33, 3) },
      encode: (v: never) => encodeSigningCommitment(scheme, v),
      hex: `0110 04000000 ${'02'.repeat(33)}${'03'.repeat(33)}`,
      decode: (x: Uint8Array) => decodeSigningCommitment(scheme, x),
    },
    {
      name: 'sign share',
      value: { participant: 4, share: b(32, 9) },
      encode: (v: never) => encodeSignatureShare(scheme, v),
      hex: `0111 04000000 ${'09'.repeat(32)}`,
      decode: (x: Uint8Array) => decodeSignatureShare(scheme, x),
    },
  ].map((c) => ({ ...c, bytes: c.encode(c.value as never) }))

  it.each(cases)('$name', (c) => {
    expect(bytesToHex(c.bytes)).toBe(c.hex.replaceAll(' ', ''))
    expect(kindOf(c.bytes)).toBeDefined()
    expect(c.decode(c.bytes)).toEqual(c.value)
  })

  it.each(cases)('$name: truncation, trailing bytes, other version or kind are MPC_BAD_MESSAGE', (c) => {
    const variants = [
      c.bytes.subarray(0, c.bytes.length - 1),
      c.bytes.subarray(0, 1),
      new Uint8Array(0),
      Uint8Array.of(...c.bytes, 0),
      Uint8Array.of(2, ...c.bytes.subarray(1)),
      Uint8Array.of(1, 0x7f, ...c.bytes.subarray(2)),
    ]
    for (const v of variants)
      expect(() => c.decode(v), bytesToHex(v)).toThrow(expect.objectContaining({ code: 'MPC_BAD_MESSAGE' }))
  })

  it('refuses a non-canonical compact length and oversized signatures', () => {
    // commitment count 2 written in the two-byte compact mode
    const r1 = encodeRound1(scheme, { dealer: 7, commitment: [b(33, 2), b(33, 3)], proofOfKnowledge: b(65, 4) })
    const nonCanonical = Uint8Array.of(...r1.subarray(0, 6), 0x09, 0x00, ...r1.subarray(7))
    expect(() => decodeRound1(scheme, nonCanonical)).toThrow(expect.objectContaining({ code: 'MPC_BAD_MESSAGE' }))
    expect(() => encodeShare(scheme, { dealer: 1, receiver: 2, share: b(32, 5), signature: b(257, 6) })).toThrow()
  })
})

describe('key package storage form', () => {
  it('round-trips and re-validates', () => {
    const key = dealKey('Ed25519', 2, [0, 3, 9], seededRng('codec'))
    const bytes = encodeKeyPackage(key.package)
    const back = decodeKeyPackage(bytes)
    expect(back.groupPublicKey).toEqual(key.package.groupPublicKey)
    expect([...back.verifyingShares]).toEqual([...key.package.verifyingShares])
    expect(back.threshold).toBe(2)
    expect(encodeKeyPackage(back)).toEqual(bytes)
    expect(() => decodeKeyPackage(bytes.subarray(0, bytes.length - 1))).toThrow(
      expect.objectContaining({ code: 'MPC_BAD_MESSAGE' }),
    )
    const corrupt = Uint8Array.from(bytes)
    corrupt[corrupt.length - 5]! ^= 1
    expect(() => decodeKeyPackage(corrupt)).toThrow(expect.objectContaining({ code: 'MPC_BAD_PUBLIC_KEY' }))
  })
})
