import type { Identity } from '../attestation/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { decidePolicy } from './decidePolicy.js'
import type { Policy, PolicyDecision, PolicyInfo, PolicyRole } from './types.js'

export const DEV_POLICY_REASON = 'dev policy: every request allowed (INSECURE)'
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/** dstack `auth_api.type = "dev"`: allows everything. For laptops and CI only; the node refuses it without --dev. */
export class DevPolicy implements Policy {
  readonly kind = 'dev' as const
  readonly #log: Logger
  readonly #gatewayAppId: string

  constructor(opts: { logger?: Logger; gatewayAppId?: string } = {}) {
    this.#log = opts.logger ?? nullLogger
    this.#gatewayAppId = opts.gatewayAppId ?? ''
    this.#log.warn({ policy: 'dev' }, 'DEV POLICY: every app and KMS request is allowed (INSECURE, development only)')
  }

  async check(role: PolicyRole, identity: Identity): Promise<PolicyDecision> {
    return decidePolicy({ kind: this.kind, closed: false, logger: this.#log }, role, identity, () => ({
      allowed: true,
      reason: DEV_POLICY_REASON,
      gatewayAppId: this.#gatewayAppId,
    }))
  }

  async info(): Promise<PolicyInfo> {
    return {
      gatewayAppId: this.#gatewayAppId,
      kmsContractAddr: ZERO_ADDRESS,
      chainId: 0,
      appImplementation: ZERO_ADDRESS,
    }
  }

  async close(): Promise<void> {}
}
