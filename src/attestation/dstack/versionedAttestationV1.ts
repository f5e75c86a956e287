import { encode } from '@msgpack/msgpack'
import { AttestationError } from '../errors.js'
import type { Attestation, Quote, RuntimeEvent, TdxEvent } from '../types.js'
import { arrayOf, bytesOf, decodeMsgpack, fieldOf, type MsgpackMap, mapOf, stringOf, u32Of } from './msgpack.js'

/**
 * dstack `VersionedAttestation::V1` (dstack-attest/src/v1.rs `Attestation::to_msgpack`): `rmp_serde::to_vec_named`,
 * so structs are msgpack MAPS keyed by field name, in declaration order:
 *   {version: 1, platform: {kind, data}, stack: {kind, data}}
 * `PlatformEvidence`/`StackEvidence` are adjacently tagged (`#[serde(tag = "kind", content = "data")]`).
 * Byte fields come in two forms: plain `Vec<u8>` (quote, nsm_quote, report_data) is an array of integers, while
 * `TdxEvent.digest`/`event_payload` (serde_human_bytes) and `RuntimeEvent.payload` (serde_human_bytes::base64) are
 * msgpack bin. `version` of an event is omitted when it is V1 and `preimage` when None.
 *
 * dstack emits V1 only when some runtime event uses the V2 (JSON) digest (`into_versioned`); Custos events are
 * all V1, so Custos writes V0 and reads both. A V1 attestation carrying V2 events is refused as unsupported:
 * its RTMR3 replay uses another digest, which Custos does not verify.
 */

export const ATTESTATION_V1_VERSION = 1

/** Platform kinds dstack defines that Custos does not verify (a typed "unsupported", not "malformed"). */
const UNSUPPORTED_PLATFORMS = new Set(['gcp-tdx', 'aws-nitro-tpm', 'sev-snp'])

function eventVersionOf(m: MsgpackMap, path: string): void {
  if (!Object.hasOwn(m, 'version')) return // omitted = V1
  const v = u32Of(m.version, `${path}.version`)
  if (v === 1) return
  if (v === 2)
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `${path}: V2 (JSON-digest) event log entries are not supported`,
    )
  throw new AttestationError('ATTESTATION_MALFORMED', `${path}: unknown event log version ${v}`)
}

function tagged(v: unknown, path: string): { kind: string; data: MsgpackMap } {
  const m = mapOf(v, path)
  return {
    kind: stringOf(fieldOf(m, 'kind', path), `${path}.kind`),
    data: mapOf(fieldOf(m, 'data', path), `${path}.data`),
  }
}

function readTdxEvent(v: unknown, path: string): TdxEvent {
  const m = mapOf(v, path)
  eventVersionOf(m, path)
  return {
    imr: u32Of(fieldOf(m, 'imr', path), `${path}.imr`),
    eventType: u32Of(fieldOf(m, 'event_type', path), `${path}.event_type`),
    // `#[serde(default)]` on digest: absent = empty
    digest: Object.hasOwn(m, 'digest') ? bytesOf(m.digest, `${path}.digest`) : new Uint8Array(0),
    event: stringOf(fieldOf(m, 'event', path), `${path}.event`),
    eventPayload: bytesOf(fieldOf(m, 'event_payload', path), `${path}.event_payload`),
  }
}

function readRuntimeEvent(v: unknown, path: string): RuntimeEvent {
  const m = mapOf(v, path)
  eventVersionOf(m, path)
  return {
    event: stringOf(fieldOf(m, 'event', path), `${path}.event`),
    payload: bytesOf(fieldOf(m, 'payload', path), `${path}.payload`),
  }
}

function readPlatform(v: unknown): Quote {
  const { kind, data } = tagged(v, 'platform')
  if (kind === 'tdx') {
    const log = arrayOf(fieldOf(data, 'event_log', 'platform.data'), 'platform.data.event_log')
    return {
      type: 'tdx',
      quote: bytesOf(fieldOf(data, 'quote', 'platform.data'), 'platform.data.quote'),
      eventLog: log.map((e, i) => readTdxEvent(e, `platform.data.event_log[${i}]`)),
    }
  }
  if (kind === 'nitro-enclave')
    return { type: 'nitro', nsmQuote: bytesOf(fieldOf(data, 'nsm_quote', 'platform.data'), 'platform.data.nsm_quote') }
  if (UNSUPPORTED_PLATFORMS.has(kind))
    throw new AttestationError('ATTESTATION_UNSUPPORTED', `attestation platform ${kind} is not supported`, {
      variant: kind,
    })
  throw new AttestationError('ATTESTATION_MALFORMED', `unknown attestation platform kind "${kind.slice(0, 40)}"`)
}

/** The V1 msgpack body (the whole VersionedAttestation: V1 has no version byte, the map is the wire form). */
export function decodeAttestationV1(bytes: Uint8Array): Attestation {
  const top = mapOf(decodeMsgpack(bytes, 'VersionedAttestation V1'), 'attestation')
  const version = fieldOf(top, 'version', 'attestation')
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
    throw new AttestationError('ATTESTATION_MALFORMED', 'attestation.version: expected an unsigned integer')
  if (version !== ATTESTATION_V1_VERSION)
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `attestation schema version ${version} is not supported (expected ${ATTESTATION_V1_VERSION})`,
    )
  const quote = readPlatform(fieldOf(top, 'platform', 'attestation'))
  const { kind, data } = tagged(fieldOf(top, 'stack', 'attestation'), 'stack')
  if (kind === 'dstack-pod')
    throw new AttestationError('ATTESTATION_UNSUPPORTED', 'dstack-pod stack evidence is not supported', {
      variant: kind,
    })
  if (kind !== 'dstack')
    throw new AttestationError('ATTESTATION_MALFORMED', `unknown attestation stack kind "${kind.slice(0, 40)}"`)
  const reportData = bytesOf(fieldOf(data, 'report_data', 'stack.data'), 'stack.data.report_data')
  // dstack's `StackEvidence::report_data()` refuses anything but 64 bytes
  if (reportData.length !== 64)
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      `stack.data.report_data must be 64 bytes, got ${reportData.length}`,
      { field: 'stack.data.report_data' },
    )
  const events = arrayOf(fieldOf(data, 'runtime_events', 'stack.data'), 'stack.data.runtime_events')
  return {
    quote,
    runtimeEvents: events.map((e, i) => readRuntimeEvent(e, `stack.data.runtime_events[${i}]`)),
    reportData,
    config: stringOf(fieldOf(data, 'config', 'stack.data'), 'stack.data.config'),
  }
}

/**
 * The V1 bytes dstack's `to_msgpack` writes for this attestation (all events V1, no preimages). Custos sends V0
 * (as dstack does for such evidence); this exists to test the reader against exact bytes and for peers that want V1.
 */
export function encodeAttestationV1(att: Attestation): Uint8Array {
  if (att.reportData.length !== 64)
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      `attestation report_data must be exactly 64 bytes, got ${att.reportData.length}`,
    )
  // plain Vec<u8> → array of integers; serde_human_bytes → bin (Uint8Array); key order = Rust field order
  const ints = (b: Uint8Array) => Array.from(b)
  const q = att.quote
  const platform =
    q.type === 'tdx'
      ? {
          kind: 'tdx',
          data: {
            quote: ints(q.quote),
            event_log: q.eventLog.map((e) => ({
              imr: e.imr,
              event_type: e.eventType,
              digest: e.digest,
              event: e.event,
              event_payload: e.eventPayload,
            })),
          },
        }
      : { kind: 'nitro-enclave', data: { nsm_quote: ints(q.nsmQuote) } }
  return encode({
    version: ATTESTATION_V1_VERSION,
    platform,
    stack: {
      kind: 'dstack',
      data: {
        report_data: ints(att.reportData),
        runtime_events: att.runtimeEvents.map((e) => ({ event: e.event, payload: e.payload })),
        config: att.config,
      },
    },
  })
}
