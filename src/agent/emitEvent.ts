/**
 * `/EmitEvent {event, payload}` (dstack OS ≥ 0.5, rpc_service.rs emit_event): extend RTMR3 with the event and
 * append it to the event log, so the next GetQuote / Attest / Info carries it. Answers `{}` as dstack does.
 * Platforms without a runtime register refuse with 400 rather than 404: the SDK ignores a 404, and the app
 * would believe its event was recorded.
 */
import { AgentError } from './errors.js'
import type { GuestContext } from './guestContext.js'
import { EmitEventArgs, parseArgs } from './guestInput.js'

/** Bound on one event payload (the event log is replayed and shipped with every quote). */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024

export async function handleEmitEvent(ctx: GuestContext, input: unknown): Promise<Record<string, never>> {
  const a = parseArgs(EmitEventArgs, input)
  if (a.payload.length > MAX_EVENT_PAYLOAD_BYTES)
    throw new AgentError(
      'AGENT_BAD_INPUT',
      `event payload is ${a.payload.length} bytes; at most ${MAX_EVENT_PAYLOAD_BYTES}`,
    )
  const emit = ctx.tee.emitEvent
  if (!emit)
    throw new AgentError(
      'AGENT_BAD_INPUT',
      `the ${ctx.tee.driver} platform has no runtime measurement register: EmitEvent cannot record events here`,
    )
  try {
    await emit.call(ctx.tee, a.event, a.payload)
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'TEE_BOOT_STAGE') throw new AgentError('AGENT_NOT_READY', (e as Error).message, {}, { cause: e })
    throw new AgentError(
      'AGENT_TEE_FAILED',
      'the TEE could not record the event',
      { reason: code ?? 'error' },
      { cause: e },
    )
  }
  ctx.logger.info({ event: a.event, payloadBytes: a.payload.length }, 'runtime event emitted (RTMR3 extended)')
  return {}
}
