import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { fromHex, toHex } from '../../crypto/index.js'
import type { Attestation } from '../types.js'
import { decodeVersionedAttestation, encodeVersionedAttestation } from './versionedAttestation.js'

const VECTORS = resolve(import.meta.dirname, '../../../../shared/vectors')
const nitroBin = () => new Uint8Array(readFileSync(resolve(VECTORS, 'nitro/dstack_nitro_attestation.bin')))
/** Hand-written bytes (dstack-kms.md §6.3 layout), whitespace and comments for reading only. */
const hexOf = (...parts: string[]) => parts.join('').replace(/\s+/g, '')

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
    const want = hexOf(
      '00', // V0
      '00', // AttestationQuote::DstackTdx
      '10 04000200', // quote: Vec<u8> of 4
      '08', // event_log: 2 TdxEvents
      `00000000 01000080 c0 ${'07'.repeat(48)} 24 414350492044415441 04 01`, // imr 0, 0x80000001, digest, "ACPI DATA", [1]
      `03000000 01000008 00 18 6170702d6964 50 ${'02'.repeat(20)}`, // imr 3, 0x08000001, no digest, "app-id", 20 bytes
      '08', // runtime_events: 2
      `18 6170702d6964 50 ${'02'.repeat(20)}`, // "app-id", 20 bytes
      '30 626f6f742d6d722d646f6e65 00', // "boot-mr-done", empty payload
      '09'.repeat(64), // report_data: [u8; 64], no prefix
      '58 7b226f735f696d6167655f68617368223a223030227d', // config: '{"os_image_hash":"00"}' (22 bytes)
    )
    expect(toHex(bytes)).toBe(want)
    expect(decodeVersionedAttestation(fromHex(want))).toEqual(att)
  })

  it('matches the SCALE layout written by hand', () => {
    const bytes = fromHex(
      hexOf(
        '00 02', // V0, AttestationQuote::DstackNitroEnclave
        '08 aabb', // nsm_quote: Vec<u8> of 2
        '04 04 78 04 01', // runtime_events: [{ event: "x", payload: [1] }]
        '00'.repeat(64), // report_data
        '08 7b7d', // config: "{}"
      ),
    )
    const att = decodeVersionedAttestation(bytes)
    expect(att).toEqual({
      quote: { type: 'nitro', nsmQuote: Uint8Array.of(0xaa, 0xbb) },
      runtimeEvents: [{ event: 'x', payload: Uint8Array.of(1) }],
      reportData: new Uint8Array(64),
      config: '{}',
    })
    expect(toHex(encodeVersionedAttestation(att))).toBe(toHex(bytes))
  })

  it('refuses a non-canonical compact length (parity-scale-codec does too)', () => {
    // nsm_quote length 2 written in the two-byte mode (09 00) instead of 08
    const bytes = fromHex(hexOf('00 02', '09 00 aabb', '00', '00'.repeat(64), '08 7b7d'))
    expect(codeOf(() => decodeVersionedAttestation(bytes))).toBe('ATTESTATION_MALFORMED')
  })

  it('refuses other platforms, broken V1 msgpack, trailing bytes and truncation with typed errors', () => {
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 3, 0)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 1, 0)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 4, 0)))).toBe('ATTESTATION_UNSUPPORTED')
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0, 9, 0)))).toBe('ATTESTATION_MALFORMED')
    // a msgpack map header routes to the V1 reader (versionedAttestationV1.test.ts); this one is truncated
    expect(codeOf(() => decodeVersionedAttestation(Uint8Array.of(0x83, 1, 2)))).toBe('ATTESTATION_MALFORMED')
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
