import type { Logger } from '../log.js'
import type { PolicyBootInfo, PolicyDecision, PolicyRole } from './types.js'

/** One info line per decision: identifiers and measurements only (public values), never secrets. */
export function logDecision(
  logger: Logger,
  policy: string,
  role: PolicyRole,
  boot: PolicyBootInfo,
  decision: PolicyDecision,
): void {
  logger.info(
    {
      policy,
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
}
