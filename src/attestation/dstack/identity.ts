import { createHash } from 'node:crypto'
import { concatBytes, isZero } from '../../crypto/index.js'
import type { Identity, Platform, RuntimeEvent, TcbStatus } from '../types.js'
import { BOOT_MR_DONE, findEventPayload, replayRuntimeEvents } from './runtimeEvents.js'
import { osImageHashFromConfig } from './vmConfig.js'

/**
 * dstack identity derivation for TDX-layout evidence (dstack-kms.md §5.2–5.3; `decode_app_info_ex` +
 * `decode_mr_tdx`). Pure: the caller has already verified the quote, the RTMR3 replay and the report_data.
 */

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/** The TD report registers the derivation reads (a parsed TD 1.0/1.5 body fits). */
export interface TdRegisters {
  mrTd: Uint8Array
  rtmr: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  mrConfigId: Uint8Array
  mrOwner: Uint8Array
  mrOwnerConfig: Uint8Array
  mrSeam?: Uint8Array
  teeTcbSvn?: Uint8Array
}

export interface DstackIdentityInput {
  platform: Platform
  report: TdRegisters
  runtimeEvents: readonly RuntimeEvent[]
  /** the attestation's embedded vm_config JSON */
  config: string
  /** external vm_config (request field); wins over `config` when non-empty */
  vmConfig?: string
  /** raw device id (PPID on TDX); device_id = sha256 of it */
  rawDeviceId: Uint8Array
  /** boot-time MR: replay only up to `boot-mr-done` and ignore key-provider (dstack SignCert) */
  boottimeMr?: boolean
  /** the replay of all `runtimeEvents` when the caller already computed it (not used for the boot-time MR) */
  replayedRtmr3?: Uint8Array
  tcbStatus: TcbStatus
  advisoryIds: string[]
  debug: boolean
  reportData: Uint8Array
}

export interface TdxMrs {
  mrSystem: Uint8Array
  mrAggregated: Uint8Array
}

/** mr_system / mr_aggregated from the registers, the replayed RTMR3 and mr_key_provider. */
export function computeTdxMrs(report: TdRegisters, rtmr3: Uint8Array, mrKeyProvider: Uint8Array): TdxMrs {
  const [r0, r1, r2] = report.rtmr
  const mrSystem = sha256(concatBytes(report.mrTd, r0, r1, r2, mrKeyProvider))
  const parts = [report.mrTd, r0, r1, r2, rtmr3]
  if (!isZero(report.mrConfigId) || !isZero(report.mrOwner) || !isZero(report.mrOwnerConfig))
    parts.push(report.mrConfigId, report.mrOwner, report.mrOwnerConfig)
  return { mrSystem, mrAggregated: sha256(concatBytes(...parts)) }
}

/** sha256(key_provider_info), or 32 zero bytes when empty. */
export function mrKeyProviderOf(keyProviderInfo: Uint8Array): Uint8Array {
  return keyProviderInfo.length === 0 ? new Uint8Array(32) : sha256(keyProviderInfo)
}

export function computeDstackIdentity(input: DstackIdentityInput): Identity {
  const events = input.runtimeEvents
  const keyProviderInfo = input.boottimeMr
    ? new Uint8Array(0)
    : (findEventPayload(events, 'key-provider') ?? new Uint8Array(0))
  const rtmr3 = input.boottimeMr
    ? replayRuntimeEvents(events, { toEvent: BOOT_MR_DONE })
    : (input.replayedRtmr3 ?? replayRuntimeEvents(events))
  const { mrSystem, mrAggregated } = computeTdxMrs(input.report, rtmr3, mrKeyProviderOf(keyProviderInfo))
  const r = input.report
  return {
    platform: input.platform,
    tcbStatus: input.tcbStatus,
    advisoryIds: [...input.advisoryIds],
    debug: input.debug,
    mrAggregated,
    mrSystem,
    osImageHash: osImageHashFromConfig(input.config, input.vmConfig),
    composeHash: findEventPayload(events, 'compose-hash') ?? new Uint8Array(0),
    appId: findEventPayload(events, 'app-id') ?? new Uint8Array(0),
    instanceId: findEventPayload(events, 'instance-id') ?? new Uint8Array(0),
    deviceId: sha256(input.rawDeviceId),
    keyProviderInfo,
    reportData: input.reportData,
    measurements: {
      mrTd: r.mrTd,
      rtmr: [r.rtmr[0], r.rtmr[1], r.rtmr[2], r.rtmr[3]],
      mrConfigId: r.mrConfigId,
      mrOwner: r.mrOwner,
      mrOwnerConfig: r.mrOwnerConfig,
      ...(r.mrSeam ? { mrSeam: r.mrSeam } : {}),
      ...(r.teeTcbSvn ? { teeTcbSvn: r.teeTcbSvn } : {}),
      rawDeviceId: input.rawDeviceId,
    },
  }
}

/** compose_hash = sha256(raw app-compose.json bytes). */
export function composeHashOf(appComposeJson: Uint8Array): Uint8Array {
  return sha256(appComposeJson)
}

/** dstack's default app id when the host sets none: sha256(app-compose.json)[0..20]. */
export function defaultAppIdOf(appComposeJson: Uint8Array): Uint8Array {
  return sha256(appComposeJson).slice(0, 20)
}
