import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { fromHex, toHex } from '../../crypto/index.js'
import type { Attestation } from '../types.js'
import { decodeVersionedAttestation, encodeVersionedAttestation } from './versionedAttestation.js'
import { decodeAttestationV1, encodeAttestationV1 } from './versionedAttestationV1.js'

const VECTORS = resolve(import.meta.dirname, '../../../../shared/vectors')
const nitroBin = () => new Uint8Array(readFileSync(resolve(VECTORS, 'nitro/dstack_nitro_attestation.bin')))

/** msgpack fixstr, written out by hand (not by the library under test). */
const s = (text: string) => {
  const b = new TextEncoder().encode(text)
  if (b.length > 31) throw new Error('fixstr only')
  return toHex(Uint8Array.of(0xa0 | b.length, ...b))
}

const att: Attestation = {
  quote: {
    type: 'tdx',
    quote: Uint8Array.of(4, 0, 0x81),
    eventLog: [
      {
        imr: 3,
        eventType: 0x08000001,
        digest: Uint8Array.of(0xaa, 0xbb),
        event: 'app-id',
        eventPayload: Uint8Array.of(1),
      },
    ],
  },
  runtimeEvents: [{ event: 'app-id', payload: Uint8Array.of(1) }],
  reportData: new Uint8Array(64).fill(7),
  config: '{}',
}

/** Pieces of the KAT, so malformed variants can swap one. */
const EVENT = `85${s('imr')}03${s('event_type')}ce08000001${s('digest')}c402aabb${s('event')}${s('app-id')}${s('event_payload')}c40101`
const PLATFORM = `82${s('kind')}${s('tdx')}${s('data')}82${s('quote')}930400cc81${s('event_log')}91${EVENT}`
const RUNTIME = `82${s('event')}${s('app-id')}${s('payload')}c40101`
const stack = (reportData = `dc0040${'07'.repeat(64)}`, kind = 'dstack', runtime = RUNTIME) =>
  `82${s('kind')}${s(kind)}${s('data')}83${s('report_data')}${reportData}${s('runtime_events')}91${runtime}${s('config')}${s('{}')}`
const top = (o: { version?: string; platform?: string; stack?: string } = {}) =>
  `83${s('version')}${o.version ?? '01'}${s('platform')}${o.platform ?? PLATFORM}${s('stack')}${o.stack ?? stack()}`

/**
 * dstack `Attestation::to_msgpack` (rmp_serde::to_vec_named) by hand: maps keyed by field name in declaration
 * order; `{kind, data}` enums; plain Vec<u8> (quote, report_data) as an integer array (0x81 → cc 81, 64 entries →
 * array16); serde_human_bytes fields (digest, event_payload, payload) as bin8; u32 0x08000001 → uint32.
 */
const KAT_HEX = top()

describe('VersionedAttestation V1 (msgpack)', () => {
  it('decodes the hand-written dstack bytes, directly and through decodeVersionedAttestation', () => {
    expect(decodeAttestationV1(fromHex(KAT_HEX))).toEqual(att)
    expect(decodeVersionedAttestation(fromHex(KAT_HEX))).toEqual(att)
  })

  it('encodes byte for byte as dstack does', () => {
    expect(toHex(encodeAttestationV1(att))).toBe(KAT_HEX)
  })

  it('round-trips the real dstack Nitro fixture V0 → V1 → same attestation, and Custos still writes V0', () => {
    const v0 = nitroBin()
    const a = decodeVersionedAttestation(v0)
    const v1 = encodeAttestationV1(a)
    expect(v1[0]).toBe(0x83)
    expect(decodeVersionedAttestation(v1)).toEqual(a)
    expect(encodeVersionedAttestation(decodeVersionedAttestation(v1))).toEqual(v0)
  })

  it('accepts what serde also accepts: explicit version 1, a preimage, bin-form plain bytes, unknown keys, no digest', () => {
    const event = `87${s('imr')}03${s('event_type')}ce08000001${s('event')}${s('app-id')}${s('event_payload')}c40101${s('version')}01${s('preimage')}${s('00')}${s('zzz')}c0`
    const platform = `82${s('data')}82${s('quote')}c403040081${s('event_log')}91${event}${s('kind')}${s('tdx')}`
    const got = decodeAttestationV1(fromHex(top({ platform })))
    expect(got).toEqual({
      ...att,
      quote: {
        ...att.quote,
        eventLog: [{ ...(att.quote as { eventLog: object[] }).eventLog[0], digest: new Uint8Array(0) }],
      },
    })
  })

  it('refuses what Custos cannot verify as ATTESTATION_UNSUPPORTED', () => {
    const v2Runtime = `83${s('event')}${s('app-id')}${s('payload')}c40101${s('version')}02`
    const cases: Array<[string, string]> = [
      ['schema version 2', top({ version: '02' })],
      ['V2 runtime event', top({ stack: stack(undefined, undefined, v2Runtime) })],
      ['V2 TDX event', top({ platform: PLATFORM.replace(EVENT, `86${EVENT.slice(2)}${s('version')}02`) })],
      ['sev-snp', top({ platform: `82${s('kind')}${s('sev-snp')}${s('data')}80` })],
      ['gcp-tdx', top({ platform: `82${s('kind')}${s('gcp-tdx')}${s('data')}80` })],
      ['dstack-pod', top({ stack: stack(undefined, 'dstack-pod') })],
    ]
    for (const [name, hex] of cases)
      expect([name, codeOf(() => decodeVersionedAttestation(fromHex(hex)))]).toEqual([name, 'ATTESTATION_UNSUPPORTED'])
  })

  it('malformed input is a typed ATTESTATION_MALFORMED, never a crash', () => {
    const kat = fromHex(KAT_HEX)
    const cases: Array<[string, Uint8Array]> = [
      ['truncated', kat.subarray(0, kat.length - 1)],
      ['only the map header', Uint8Array.of(0x83, 1, 2)],
      ['trailing byte', Uint8Array.of(...kat, 0xc0)],
      ['empty map', fromHex('80')],
      ['version not an integer', fromHex(top({ version: s('1') }))],
      ['unknown platform kind', fromHex(top({ platform: `82${s('kind')}${s('tpm')}${s('data')}80` }))],
      ['unknown stack kind', fromHex(top({ stack: stack(undefined, 'other') }))],
      ['report_data of 63 bytes', fromHex(top({ stack: stack(`dc003f${'07'.repeat(63)}`) }))],
      ['report_data entry above 255', fromHex(top({ stack: stack(`dc0040cd0100${'07'.repeat(63)}`) }))],
      ['platform without data', fromHex(top({ platform: `81${s('kind')}${s('tdx')}` }))],
      ['event imr negative', fromHex(top({ platform: PLATFORM.replace(`${s('imr')}03`, `${s('imr')}ff`) }))],
      [
        'unknown event log version',
        fromHex(top({ stack: stack(undefined, undefined, `83${RUNTIME.slice(2)}${s('version')}07`) })),
      ],
      ['__proto__ key', fromHex(`84${s('__proto__')}80${KAT_HEX.slice(2)}`)],
      ['map16 header, no body', fromHex('de0003')],
      ['deep nesting', new Uint8Array(100_000).fill(0x81)],
      ['arrays 17 deep (a valid value, but deeper than any dstack schema)', fromHex(`81${s('a')}${'91'.repeat(17)}c0`)],
      ['array32 claiming 2^31 elements', fromHex(`81${s('a')}dd7fffffff00`)],
      ['map32 claiming more entries than bytes', fromHex(`df00001000${'00'.repeat(100)}`)],
    ]
    for (const [name, bytes] of cases)
      expect([name, codeOf(() => decodeVersionedAttestation(bytes))]).toEqual([name, 'ATTESTATION_MALFORMED'])
  })

  it('refuses 10 MB of nested arrays fast, before the decoder builds them', () => {
    const bytes = new Uint8Array(10 * 1024 * 1024).fill(0x91)
    bytes[0] = 0x81
    const t0 = performance.now()
    expect(codeOf(() => decodeVersionedAttestation(bytes))).toBe('ATTESTATION_MALFORMED')
    expect(performance.now() - t0).toBeLessThan(1000)
    // 16 deep is still read (and then refused for its content, not its shape)
    expect(codeOf(() => decodeVersionedAttestation(fromHex(`81${s('a')}${'91'.repeat(15)}c0`)))).toBe(
      'ATTESTATION_MALFORMED',
    )
  })
})
