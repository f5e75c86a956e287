import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ScaleWriter, toHex } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'
import type { Attestation } from '../types.js'
import { decodeVersionedAttestation, encodeVersionedAttestation } from './versionedAttestation.js'

const nitroBin = () => new Uint8Array(readFileSync('../shared/vectors/nitro/dstack_nitro_attestation.bin'))

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(AttestationError)
    return (e as AttestationError).code
  }
  return 'NO_ERROR'
}

describe('VersionedAttestation V0 (SCALE)', () => {
  it('decodes the real dstack Nitro fixture and re-encodes it byte for byte', () => {
    const bytes = nitroBin()
    const att = decodeVersionedAttestation(bytes)
    expect(att.quote.type).toBe('nitro')
    if (att.quote.type !== 'nitro') throw new Error('unreachable')
    expect(att.quote.nsmQuote).toHaveLength(4527)
    // COSE_Sign1 is a CBOR tag-18 or a 4-element array
    expect([0x84, 0xd2]).toContain(att.quote.nsmQuote[0])
    expect(att.runtimeEvents).toEqual([])
    expect(att.reportData).toEqual(new Uint8Array(64))
    expect(att.config).toHaveLength(84)
    expect(JSON.parse(att.config).os_image_hash).toMatch(
      /^e0e742bd62280472ea840647754203d599cb39a7966cfed11237c1e86de9c857$/,
    )
    expect(encodeVersionedAttestation(att)).toEqual(bytes)
  })

  it('round-trips a TDX attestation with event log and runtime events', () => {
    const att: Attestation = {
      quote: {
        type: 'tdx',
        quote: Uint8Array.of(4, 0, 2, 0),
        eventLog: [
          {
            imr: 0,
            eventType: 0x80000001,
            digest: new Uint8Array(48).fill(7),
            event: 'ACPI DATA',
            eventPayload: Uint8Array.of(1),
          },
          {
            imr: 3,
            eventType: 0x08000001,
            digest: new Uint8Array(0),
            event: 'app-id',
            eventPayload: new Uint8Array(20).fill(2),
          },
        ],
      },
      runtimeEvents: [
        { event: 'app-id', payload: new Uint8Array(20).fill(2) },
        { event: 'boot-mr-done', payload: new Uint8Array(0) },
      ],
      reportData: new Uint8Array(64).fill(9),
      config: '{"os_image_hash":"00"}',
    }
    const bytes = encodeVersionedAttestation(att)
    expect(bytes[0]).toBe(0) // V0
    expect(bytes[1]).toBe(0) // DstackTdx
    expect(bytes[2]).toBe(4 << 2) // compact len 4
    expect(decodeVersionedAttestation(bytes)).toEqual(att)
  })

  it('matches the SCALE layout built by hand', () => {
    const w = new ScaleWriter().u8(0).u8(2).vecU8(Uint8Array.of(0xaa, 0xbb))
    w.vec([{ e: 'x', p: Uint8Array.of(1) }], (w, v) => w.string(v.e).vecU8(v.p))
    w.bytes(new Uint8Array(64)).string('{}')
    const att = decodeVersionedAttestation(w.finish())
    expect(att).toEqual({
      quote: { type: 'nitro', nsmQuote: Uint8Array.of(0xaa, 0xbb) },
      runtimeEvents: [{ event: 'x', payload: Uint8Array.of(1) }],
      reportData: new Uint8Array(64),
      config: '{}',
    })
    expect(toHex(encodeVersionedAttestation(att))).toBe(toHex(w.finish()))
  })

  it('refuses other platforms, V1 msgpack, trailing bytes and truncation with typed errors', () => {
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 3, 0)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 1, 0)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 4, 0)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 9, 0)))).toBe('ATTESTATION_MALFORMED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0x83, 1, 2)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(7)))).toBe('ATTESTATION_MALFORMED')
    expect(codeOf(() => decodeVersionedAttestation(new Uint8Array(0)))).toBe('ATTESTATION_MALFORMED')
    const good = nitroBin()
    expect(codeOf(() => decodeVersionedAttestation(good.subarray(0, good.length - 3)))).toBe('ATTESTATION_MALFORMED')
    const extra = new Uint8Array(good.length + 1)
    extra.set(good)
    expect(codeOf(() => decodeVersionedAttestation(extra))).toBe('ATTESTATION_MALFORMED')
    expect(
      codeOf(() => encodeVersionedAttestation({ ...decodeVersionedAttestation(good), reportData: new Uint8Array(32) })),
    ).toBe('ATTESTATION_MALFORMED')
  })
})
