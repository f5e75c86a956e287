import {
  type Attestation,
  DSTACK_RUNTIME_EVENT_TYPE,
  parseQuote,
  type RuntimeEvent,
  type TdxEvent,
} from '../attestation/index.js'
import { fromHex, toHex } from '../crypto/index.js'
import { AgentError } from './errors.js'

/** One event-log entry as dstack serialises `cc_eventlog::TdxEvent` to JSON (serde_human_bytes → hex). */
export interface EventLogEntry {
  imr: number
  event_type: number
  digest: string
  event: string
  event_payload: string
}

/** `TdxEvent` → dstack JSON field order and encoding (what `@phala/dstack-sdk` `replayRtmrs` reads). */
export function eventLogEntry(e: TdxEvent): EventLogEntry {
  return {
    imr: e.imr,
    event_type: e.eventType,
    digest: toHex(e.digest),
    event: e.event,
    event_payload: toHex(e.eventPayload),
  }
}

/** The full TDX event log of an attestation as dstack's JSON array (empty for non-TDX evidence). */
export function eventLogOf(att: Attestation): EventLogEntry[] {
  return att.quote.type === 'tdx' ? att.quote.eventLog.map(eventLogEntry) : []
}

/**
 * Rebuild the evidence a verifier needs from a GetQuote reply (quote, event_log JSON, vm_config): the RTMR3
 * runtime events are the entries with dstack's runtime event type. This is what a relying party does with
 * `{quote, event_log, vm_config}` — the agent itself never trusts it.
 */
export function attestationFromQuoteReply(reply: {
  quote: string
  event_log: string
  vm_config?: string
}): Attestation {
  let entries: EventLogEntry[]
  try {
    entries = JSON.parse(reply.event_log) as EventLogEntry[]
    if (!Array.isArray(entries)) throw new Error('not an array')
    const eventLog: TdxEvent[] = entries.map((e) => ({
      imr: Number(e.imr),
      eventType: Number(e.event_type),
      digest: fromHex(String(e.digest ?? '')),
      event: String(e.event ?? ''),
      eventPayload: fromHex(String(e.event_payload ?? '')),
    }))
    const runtimeEvents: RuntimeEvent[] = eventLog
      .filter((e) => e.imr === 3 && e.eventType === DSTACK_RUNTIME_EVENT_TYPE)
      .map((e) => ({ event: e.event, payload: e.eventPayload }))
    const quote = fromHex(reply.quote)
    return {
      quote: { type: 'tdx', quote, eventLog },
      runtimeEvents,
      reportData: parseQuote(quote).body.reportData.slice(),
      config: reply.vm_config ?? '',
    }
  } catch (e) {
    if (e instanceof AgentError) throw e
    throw new AgentError('AGENT_BAD_INPUT', 'the quote reply is not {quote hex, event_log JSON array, vm_config}')
  }
}
