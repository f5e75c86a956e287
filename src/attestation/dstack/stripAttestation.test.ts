import { describe, expect, it } from 'vitest'
import { utf8ToBytes } from '../../crypto/index.js'
import type { Attestation } from '../types.js'
import { stripAttestation } from './stripAttestation.js'

describe('stripAttestation (dstack into_stripped)', () => {
  it('keeps ACPI DATA + IMR3 events, strips digests of runtime events', () => {
    const d = new Uint8Array(48).fill(1)
    const att: Attestation = {
      quote: {
        type: 'tdx',
        quote: Uint8Array.of(1),
        eventLog: [
          { imr: 0, eventType: 10, digest: d, event: 'acpi-loader', eventPayload: utf8ToBytes('ACPI DATA') },
          { imr: 0, eventType: 1, digest: d, event: 'other', eventPayload: Uint8Array.of(9) },
          { imr: 1, eventType: 10, digest: d, event: 'x', eventPayload: utf8ToBytes('ACPI DATA') },
          { imr: 3, eventType: 0x08000001, digest: d, event: 'app-id', eventPayload: Uint8Array.of(7) },
          { imr: 3, eventType: 5, digest: d, event: 'boot', eventPayload: Uint8Array.of(8) },
        ],
      },
      runtimeEvents: [{ event: 'app-id', payload: Uint8Array.of(7) }],
      reportData: new Uint8Array(64),
      config: '',
    }
    const s = stripAttestation(att)
    if (s.quote.type !== 'tdx') throw new Error('tdx')
    expect(s.quote.eventLog.map((e) => [e.imr, e.event, e.digest.length, e.eventPayload.length])).toEqual([
      [0, 'acpi-loader', 48, 9],
      [3, 'app-id', 0, 1],
      [3, 'boot', 48, 0],
    ])
    expect(s.runtimeEvents).toBe(att.runtimeEvents)
    const nitro: Attestation = { ...att, quote: { type: 'nitro', nsmQuote: Uint8Array.of(1) } }
    expect(stripAttestation(nitro)).toBe(nitro)
  })
})
