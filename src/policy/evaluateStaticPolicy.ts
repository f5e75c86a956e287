import { normalizeHex, type StaticPolicyConfig } from './staticPolicyConfig.js'
import type { PolicyBootInfo, PolicyDecision, PolicyRole } from './types.js'

/** The auth-simple deny reasons, verbatim (dstack-kms.md §4.5). */
export const DENY = {
  tcbStatus: 'TCB status is not allowed',
  advisoryId: 'advisory ID is not allowed',
  osImage: 'OS image is not allowed',
  mrAggregated: 'aggregated MR not allowed',
  kmsDevice: 'KMS is not allowed to boot on this device',
  appNotRegistered: 'app not registered',
  composeHash: 'compose hash not allowed',
  appDevice: 'app is not allowed to boot on this device',
} as const

const has = (list: readonly string[], value: string) => {
  const v = normalizeHex(value)
  return list.some((x) => normalizeHex(x) === v)
}

/** auth-simple's device rule: skipped with allowAnyDevice, and an EMPTY list allows any device. */
const deviceAllowed = (rule: { devices: string[]; allowAnyDevice: boolean }, deviceId: string) =>
  rule.allowAnyDevice || rule.devices.length === 0 || has(rule.devices, deviceId)

/**
 * auth-simple's `checkBoot`, same order and reasons: TCB status → advisories → OS image →
 * (kms) aggregated MR, device | (app) registered, compose hash, device. Pure; deny unless every step passes.
 */
export function evaluateStaticPolicy(
  config: StaticPolicyConfig,
  role: PolicyRole,
  boot: PolicyBootInfo,
): PolicyDecision {
  const gatewayAppId = config.gatewayAppId
  const deny = (reason: string): PolicyDecision => ({ allowed: false, reason, gatewayAppId })

  if (!(config.allowedTcbStatuses as readonly string[]).includes(boot.tcbStatus)) return deny(DENY.tcbStatus)
  for (const id of boot.advisoryIds) if (!config.allowedAdvisoryIds.includes(id)) return deny(DENY.advisoryId)
  if (!has(config.osImages, boot.osImageHash)) return deny(DENY.osImage)

  if (role === 'kms' || role === 'mpc') {
    if (!has(config.kms.mrAggregated, boot.mrAggregated)) return deny(DENY.mrAggregated)
    if (!deviceAllowed(config.kms, boot.deviceId)) return deny(DENY.kmsDevice)
  } else if (role === 'app') {
    const appId = normalizeHex(boot.appId)
    const app = Object.entries(config.apps).find(([id]) => normalizeHex(id) === appId)?.[1]
    if (!app) return deny(DENY.appNotRegistered)
    if (!has(app.composeHashes, boot.composeHash)) return deny(DENY.composeHash)
    if (!deviceAllowed(app, boot.deviceId)) return deny(DENY.appDevice)
  } else {
    return deny(`unknown role ${String(role)}`)
  }
  return { allowed: true, reason: '', gatewayAppId }
}
