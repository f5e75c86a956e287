import { utf8ToBytes } from '../../crypto/index.js'
import type { Attestation, TdxEvent } from '../types.js'
import { DSTACK_RUNTIME_EVENT_TYPE } from './runtimeEvents.js'

/** TCG EV_PLATFORM_CONFIG_FLAGS-style ACPI DATA events of dstack's OVMF (cc-eventlog tdx.rs). */
export const TDX_ACPI_DATA_EVENT_TYPE = 10
const ACPI_DATA = utf8ToBytes('ACPI DATA')

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** `TdxEvent::stripped`: runtime events drop the digest, other events drop the payload. */
function stripped(e: TdxEvent): TdxEvent {
  return e.eventType === DSTACK_RUNTIME_EVENT_TYPE
    ? { ...e, digest: new Uint8Array(0) }
    : { ...e, eventPayload: new Uint8Array(0) }
}

/**
 * dstack `VersionedAttestation::into_stripped` for V0 (used before embedding an attestation in a certificate):
 * the TDX event log keeps only the RTMR0 "ACPI DATA" events (digest kept, payload "ACPI DATA") and the IMR-3
 * events (stripped); runtime_events are untouched; Nitro is unchanged.
 */
export function stripAttestation(att: Attestation): Attestation {
  if (att.quote.type !== 'tdx') return att
  const eventLog: TdxEvent[] = []
  for (const e of att.quote.eventLog) {
    if (e.imr === 0 && e.eventType === TDX_ACPI_DATA_EVENT_TYPE && sameBytes(e.eventPayload, ACPI_DATA))
      eventLog.push({ ...stripped(e), eventPayload: ACPI_DATA.slice() })
    else if (e.imr === 3) eventLog.push(stripped(e))
  }
  return { ...att, quote: { ...att.quote, eventLog } }
}
