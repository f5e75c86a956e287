/**
 * dstack's legacy RA-TLS form: raw TDX quote in ext .1.1 and the TDX event log JSON (optionally "ELGZv1" + gzip)
 * in ext .1.2. Rebuilt into an Attestation like dstack `Attestation::from_tdx_quote` (dstack-kms.md §6.1).
 */
import { gunzipSync } from 'node:zlib'
import type { Attestation, RuntimeEvent, TdxEvent } from '../attestation/index.js'
import { fromHex } from '../crypto/index.js'
import { NetError } from './errors.js'

const GZIP_MAGIC = new TextEncoder().encode('ELGZv1')
/** dstack caps the decompressed event log at 16 KiB */
export const MAX_LEGACY_EVENT_LOG = 16 * 1024
/** dstack runtime events (RTMR3) use this TCG event type */
const DSTACK_RUNTIME_EVENT_TYPE = 0x08000001
/** offset of report_data inside a TDX 1.0 report body */
const TD10_REPORT_DATA_OFFSET = 520

/** Undo the optional "ELGZv1" gzip wrapper of the legacy event-log extension. */
export function decompressLegacyEventLog(data: Uint8Array): Uint8Array {
  if (data.length < GZIP_MAGIC.length || !GZIP_MAGIC.every((b, i) => data[i] === b)) return data
  try {
    return new Uint8Array(gunzipSync(data.subarray(GZIP_MAGIC.length), { maxOutputLength: MAX_LEGACY_EVENT_LOG }))
  } catch (cause) {
    throw new NetError(
      'NET_BAD_CERT',
      'the RA-TLS event log extension does not decompress (or exceeds 16 KiB)',
      {},
      {
        cause,
      },
    )
  }
}

function reportDataOfTdxQuote(quote: Uint8Array): Uint8Array {
  if (quote.length < 2) throw new NetError('NET_BAD_CERT', 'the legacy RA-TLS TDX quote is truncated')
  const version = quote[0]! | (quote[1]! << 8)
  const body = version === 5 ? 54 : 48
  const off = body + TD10_REPORT_DATA_OFFSET
  if (quote.length < off + 64) throw new NetError('NET_BAD_CERT', 'the legacy RA-TLS TDX quote is truncated')
  return quote.slice(off, off + 64)
}

interface JsonTdxEvent {
  imr: number
  event_type: number
  digest: string
  event: string
  event_payload: string
}

/** Rebuild an Attestation from the legacy .1.1 quote and (decompressed) .1.2 event log JSON. */
export function legacyToAttestation(quote: Uint8Array, eventLogJson: Uint8Array): Attestation {
  let eventLog: TdxEvent[]
  try {
    const raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(eventLogJson)) as JsonTdxEvent[]
    if (!Array.isArray(raw)) throw new TypeError('event log is not an array')
    eventLog = raw.map((e) => ({
      imr: Number(e.imr),
      eventType: Number(e.event_type),
      digest: fromHex(String(e.digest ?? '')),
      event: String(e.event ?? ''),
      eventPayload: fromHex(String(e.event_payload ?? '')),
    }))
  } catch (cause) {
    throw new NetError(
      'NET_BAD_CERT',
      'the legacy RA-TLS event log extension is not valid event-log JSON',
      {},
      { cause },
    )
  }
  const runtimeEvents: RuntimeEvent[] = eventLog
    .filter((e) => e.imr === 3 && e.eventType === DSTACK_RUNTIME_EVENT_TYPE)
    .map((e) => ({ event: e.event, payload: e.eventPayload }))
  return {
    quote: { type: 'tdx', quote, eventLog },
    runtimeEvents,
    reportData: reportDataOfTdxQuote(quote),
    config: '',
  }
}
