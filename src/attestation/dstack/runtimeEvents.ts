import { createHash } from 'node:crypto'
import { concatBytes, utf8ToBytes } from '../../crypto/index.js'
import type { RuntimeEvent, TdxEvent } from '../types.js'

/**
 * dstack runtime events (dstack-kms.md §5.1; cc-eventlog/src/runtime_events.rs), V1 digests only.
 * V2 (JCS JSON) digests are opt-in in dstack and cannot travel in the V0 wire format.
 */

/** `DSTACK_RUNTIME_EVENT_TYPE`, the TCG event type of every runtime event (IMR 3). */
export const DSTACK_RUNTIME_EVENT_TYPE = 0x08000001
export const BOOT_MR_DONE = 'boot-mr-done'
export const SYSTEM_READY = 'system-ready'

export type EventHash = 'sha384' | 'sha256'
const OUTPUT_LEN = { sha384: 48, sha256: 32 } as const

const TYPE_LE = Uint8Array.of(0x01, 0x00, 0x00, 0x08)
const COLON = Uint8Array.of(0x3a)

/** V1 preimage `u32_le(0x08000001) ‖ ":" ‖ name ‖ ":" ‖ payload`. */
export function runtimeEventPreimage(ev: RuntimeEvent): Uint8Array {
  return concatBytes(TYPE_LE, COLON, utf8ToBytes(ev.event), COLON, ev.payload)
}

const TYPE_LE_COLON = concatBytes(TYPE_LE, COLON)

/** Digest of the V1 preimage (OpenSSL; this runs for every event of every verified attestation). */
export function runtimeEventDigest(ev: RuntimeEvent, hash: EventHash = 'sha384'): Uint8Array {
  return new Uint8Array(
    createHash(hash).update(TYPE_LE_COLON).update(ev.event, 'utf8').update(COLON).update(ev.payload).digest(),
  )
}

/**
 * Extend from zeros: `mr = H(mr ‖ digest)`. With `toEvent`, stop after (and including) the first event with that
 * name — the boot-time MR uses `boot-mr-done`.
 */
export function replayRuntimeEvents(
  events: readonly RuntimeEvent[],
  opts: { toEvent?: string; hash?: EventHash } = {},
): Uint8Array {
  const hash = opts.hash ?? 'sha384'
  let mr: Uint8Array = new Uint8Array(OUTPUT_LEN[hash])
  for (const ev of events) {
    mr = createHash(hash).update(mr).update(runtimeEventDigest(ev, hash)).digest()
    if (opts.toEvent !== undefined && ev.event === opts.toEvent) break
  }
  return new Uint8Array(mr)
}

/** Payload of the first event named `name` before `system-ready` (app events cannot spoof identity fields). */
export function findEventPayload(events: readonly RuntimeEvent[], name: string): Uint8Array | undefined {
  for (const ev of events) {
    if (ev.event === SYSTEM_READY) break
    if (ev.event === name) return ev.payload
  }
  return undefined
}

/** All payloads of events named `name` before `system-ready`, in order (e.g. `init-script-hash`). */
export function findEventPayloads(events: readonly RuntimeEvent[], name: string): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const ev of events) {
    if (ev.event === SYSTEM_READY) break
    if (ev.event === name) out.push(ev.payload)
  }
  return out
}

/** The IMR-3 `TdxEvent` form of a runtime event, as it appears in the CCEL-derived TDX event log. */
export function runtimeEventToTdxEvent(ev: RuntimeEvent): TdxEvent {
  return {
    imr: 3,
    eventType: DSTACK_RUNTIME_EVENT_TYPE,
    digest: runtimeEventDigest(ev),
    event: ev.event,
    eventPayload: ev.payload,
  }
}
