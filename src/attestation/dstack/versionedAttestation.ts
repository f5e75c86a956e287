import { ScaleError, ScaleReader, ScaleWriter } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'
import type { Attestation, Quote, RuntimeEvent, TdxEvent } from '../types.js'
import { decodeAttestationV1 } from './versionedAttestationV1.js'

/**
 * dstack `VersionedAttestation` wire format (dstack-kms.md §6.3; dstack-attest/src/attestation.rs).
 * V0 = `0x00 ‖ SCALE(Attestation{quote: AttestationQuote, runtime_events, report_data:[u8;64], config})`.
 * `RuntimeEvent.version` and `TdxEvent.version` are `#[codec(skip)]` in dstack, so V0 only carries V1 events.
 * V1 (msgpack map, first byte 0x80–0x8f/0xde/0xdf, as dstack's `is_msgpack_map_prefix`) is read by
 * `decodeAttestationV1`. Custos writes V0: dstack itself only writes V1 when some runtime event uses the V2 digest.
 */

export const MAX_ATTESTATION_BYTES = 10 * 1024 * 1024
const V0 = 0x00

/** `AttestationQuote` SCALE enum discriminants (stable on the wire). */
export const ATTESTATION_QUOTE_VARIANTS = [
  'DstackTdx',
  'DstackGcpTdx',
  'DstackNitroEnclave',
  'DstackAmdSevSnp',
  'DstackAwsNitroTpm',
] as const
const TDX = 0
const NITRO_ENCLAVE = 2

export function encodeVersionedAttestation(att: Attestation): Uint8Array {
  if (att.reportData.length !== 64)
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      `attestation report_data must be exactly 64 bytes, got ${att.reportData.length}`,
    )
  const w = new ScaleWriter().u8(V0)
  writeQuote(w, att.quote)
  w.vec(att.runtimeEvents, (w, e) => w.string(e.event).vecU8(e.payload))
  w.bytes(att.reportData)
  w.string(att.config)
  return w.finish()
}

function writeQuote(w: ScaleWriter, q: Quote): void {
  switch (q.type) {
    case 'tdx':
      w.u8(TDX).vecU8(q.quote)
      w.vec(q.eventLog, (w, e) => w.u32(e.imr).u32(e.eventType).vecU8(e.digest).string(e.event).vecU8(e.eventPayload))
      return
    case 'nitro':
      w.u8(NITRO_ENCLAVE).vecU8(q.nsmQuote)
      return
  }
}

export function decodeVersionedAttestation(bytes: Uint8Array): Attestation {
  if (bytes.length === 0) throw new AttestationError('ATTESTATION_MALFORMED', 'attestation is empty', { offset: 0 })
  if (bytes.length > MAX_ATTESTATION_BYTES)
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      `attestation is ${bytes.length} bytes, more than the ${MAX_ATTESTATION_BYTES}-byte limit`,
    )
  const first = bytes[0] as number
  if ((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf) return decodeAttestationV1(bytes)
  if (first !== V0)
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      `unknown VersionedAttestation wire format (first byte 0x${first.toString(16)})`,
      { offset: 0 },
    )
  const r = new ScaleReader(bytes)
  try {
    r.u8()
    const quote = readQuote(r)
    const runtimeEvents = r.vec((r): RuntimeEvent => ({ event: r.string(), payload: r.vecU8() }))
    const reportData = r.bytes(64)
    const config = r.string()
    if (r.remaining !== 0)
      throw new AttestationError(
        'ATTESTATION_MALFORMED',
        `${r.remaining} trailing bytes after the V0 VersionedAttestation`,
        { offset: r.offset },
      )
    return { quote, runtimeEvents, reportData, config }
  } catch (e) {
    if (e instanceof ScaleError)
      throw new AttestationError(
        'ATTESTATION_MALFORMED',
        `VersionedAttestation V0: ${e.message}`,
        { offset: r.offset },
        {
          cause: e,
        },
      )
    throw e
  }
}

function readQuote(r: ScaleReader): Quote {
  const at = r.offset
  const tag = r.u8()
  if (tag === TDX) {
    const quote = r.vecU8()
    const eventLog = r.vec(
      (r): TdxEvent => ({
        imr: r.u32(),
        eventType: r.u32(),
        digest: r.vecU8(),
        event: r.string(),
        eventPayload: r.vecU8(),
      }),
    )
    return { type: 'tdx', quote, eventLog }
  }
  if (tag === NITRO_ENCLAVE) return { type: 'nitro', nsmQuote: r.vecU8() }
  const name = ATTESTATION_QUOTE_VARIANTS[tag]
  if (name)
    throw new AttestationError('ATTESTATION_UNSUPPORTED', `attestation platform ${name} is not supported`, {
      offset: at,
      variant: name,
    })
  throw new AttestationError('ATTESTATION_MALFORMED', `unknown AttestationQuote variant ${tag}`, { offset: at })
}
