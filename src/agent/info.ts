import type { Identity } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { AgentError } from './errors.js'
import { eventLogOf } from './eventLog.js'
import type { GuestContext } from './guestContext.js'

/** dstack `AppInfo` JSON. `tcb_info` is a JSON *string* (the SDK parses it). */
export interface InfoReply {
  app_id: string
  instance_id: string
  app_cert: string
  tcb_info: string
  app_name: string
  device_id: string
  mr_aggregated: string
  os_image_hash: string
  key_provider_info: string
  compose_hash: string
  vm_config: string
  cloud_vendor: string
  cloud_product: string
}

/** `name` of the app-compose JSON, '' when absent or not JSON. */
export function appNameOf(appCompose: string): string {
  try {
    const name = (JSON.parse(appCompose) as { name?: unknown }).name
    return typeof name === 'string' ? name : ''
  } catch {
    return ''
  }
}

/**
 * `/Info` (dstack rpc_service.rs get_info): identity decoded from fresh local evidence. Unlike dstack (which
 * decodes without verifying) the evidence goes through the verifier, so Info never reports fields the
 * platform did not sign.
 */
export async function handleInfo(ctx: GuestContext): Promise<InfoReply> {
  let id: Identity
  let eventLog: ReturnType<typeof eventLogOf>
  try {
    const att = await ctx.tee.attest(new Uint8Array(64))
    id = await ctx.verifier.verify(att, { now: ctx.now() })
    eventLog = eventLogOf(att)
  } catch (e) {
    throw new AgentError('AGENT_TEE_FAILED', 'could not decode this TEE identity from its evidence', {}, { cause: e })
  }
  const hexOrNull = (b: Uint8Array | undefined) => (b ? toHex(b) : null)
  const rtmr = id.measurements.rtmr
  const tcbInfo = {
    mrtd: hexOrNull(id.measurements.mrTd),
    rtmr0: hexOrNull(rtmr?.[0]),
    rtmr1: hexOrNull(rtmr?.[1]),
    rtmr2: hexOrNull(rtmr?.[2]),
    rtmr3: hexOrNull(rtmr?.[3]),
    mr_aggregated: toHex(id.mrAggregated),
    os_image_hash: toHex(id.osImageHash),
    compose_hash: toHex(id.composeHash),
    device_id: toHex(id.deviceId),
    event_log: eventLog,
    app_compose: ctx.appCompose,
  }
  return {
    app_id: toHex(id.appId),
    instance_id: toHex(id.instanceId),
    app_cert: ctx.appCert(),
    tcb_info: JSON.stringify(tcbInfo, null, 2),
    app_name: appNameOf(ctx.appCompose),
    device_id: toHex(id.deviceId),
    mr_aggregated: toHex(id.mrAggregated),
    os_image_hash: toHex(id.osImageHash),
    key_provider_info: new TextDecoder().decode(id.keyProviderInfo),
    compose_hash: toHex(id.composeHash),
    vm_config: ctx.vmConfig,
    cloud_vendor: ctx.tee.simulated ? 'Custos (INSECURE simulated TEE)' : '',
    cloud_product: ctx.tee.driver,
  }
}
