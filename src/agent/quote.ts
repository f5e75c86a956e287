import { type Attestation, encodeVersionedAttestation } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { AgentError } from './errors.js'
import { eventLogOf } from './eventLog.js'
import type { GuestContext } from './guestContext.js'
import { parseArgs, RawQuoteArgs } from './guestInput.js'

export interface GetQuoteReply {
  /** hex TDX quote ('' for non-TDX evidence) */
  quote: string
  /** JSON string: array of {imr, event_type, digest, event, event_payload} ('' for non-TDX evidence) */
  event_log: string
  /** hex, 64 bytes (the request's bytes zero-padded on the right) */
  report_data: string
  vm_config: string
  /** hex VersionedAttestation, only when there is no TDX quote (Nitro), as dstack does */
  attestation: string
}

/** dstack `pad64`: ≤ 64 bytes, zero-padded on the right. */
export function pad64(data: Uint8Array): Uint8Array {
  if (data.length > 64)
    throw new AgentError('AGENT_REPORT_DATA_TOO_LONG', `report_data must be at most 64 bytes, got ${data.length}`)
  const out = new Uint8Array(64)
  out.set(data)
  return out
}

async function attest(ctx: GuestContext, reportData: Uint8Array): Promise<Attestation> {
  try {
    return await ctx.tee.attest(reportData)
  } catch (e) {
    throw new AgentError('AGENT_TEE_FAILED', 'the TEE did not produce evidence', {}, { cause: e })
  }
}

/**
 * dstack backend.rs `quote_response`: evidence over exactly these 64 bytes → quote, event log JSON,
 * report_data, vm_config. Shared by `/GetQuote` and the legacy Tappd quotes.
 */
export async function quoteResponse(ctx: GuestContext, reportData: Uint8Array): Promise<GetQuoteReply> {
  const att = await attest(ctx, reportData)
  const tdx = att.quote.type === 'tdx'
  return {
    quote: att.quote.type === 'tdx' ? toHex(att.quote.quote) : '',
    event_log: tdx ? JSON.stringify(eventLogOf(att)) : '',
    report_data: toHex(reportData),
    vm_config: ctx.vmConfig,
    attestation: tdx ? '' : toHex(encodeVersionedAttestation(att)),
  }
}

/** `/GetQuote {report_data}` (≤ 64 bytes, zero-padded on the right). */
export async function handleGetQuote(ctx: GuestContext, input: unknown): Promise<GetQuoteReply> {
  return quoteResponse(ctx, pad64(parseArgs(RawQuoteArgs, input).report_data))
}

/** `/Attest {report_data}` → `{attestation: hex VersionedAttestation}` (V0 SCALE). */
export async function handleAttest(ctx: GuestContext, input: unknown): Promise<{ attestation: string }> {
  const reportData = pad64(parseArgs(RawQuoteArgs, input).report_data)
  return { attestation: toHex(encodeVersionedAttestation(await attest(ctx, reportData))) }
}
