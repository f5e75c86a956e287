import type { Identity } from '../attestation/index.js'
import type { Logger } from '../log.js'
import { toBootInfo } from './toBootInfo.js'
import type { PolicyBackend, PolicyBootInfo, PolicyDecision, PolicyRole } from './types.js'

/** A deny that names no gateway app (the backend could not or would not look one up). */
export const deny = (reason: string, extra: Pick<PolicyDecision, 'unavailable'> = {}): PolicyDecision => ({
  allowed: false,
  reason,
  gatewayAppId: '',
  ...extra,
})

/** What a backend tells `decidePolicy` about itself. */
export interface PolicyBackendState {
  kind: PolicyBackend
  /** a closed policy denies everything ("policy closed") */
  closed: boolean
  logger: Logger
}

/**
 * One decision, made the same way by every backend: the identity in dstack boot-info form; a deny for a closed
 * policy or an unknown role (fail closed); otherwise the backend's own `decide`; then one info line per decision
 * with identifiers and measurements only (public values), never secrets.
 */
export async function decidePolicy(
  backend: PolicyBackendState,
  role: PolicyRole,
  identity: Identity,
  decide: (role: PolicyRole, boot: PolicyBootInfo) => PolicyDecision | Promise<PolicyDecision>,
): Promise<PolicyDecision> {
  const boot = toBootInfo(identity)
  const decision = backend.closed
    ? deny('policy closed')
    : role !== 'app' && role !== 'kms' && role !== 'mpc'
      ? deny(`unknown role ${String(role)}`)
      : await decide(role, boot)
  backend.logger.info(
    {
      policy: backend.kind,
      role,
      appId: boot.appId,
      composeHash: boot.composeHash,
      deviceId: boot.deviceId,
      mrAggregated: boot.mrAggregated,
      osImageHash: boot.osImageHash,
      tcbStatus: boot.tcbStatus,
      allowed: decision.allowed,
      reason: decision.reason,
    },
    'policy decision',
  )
  return decision
}
