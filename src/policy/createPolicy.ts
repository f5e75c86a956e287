import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { DevPolicy } from './devPolicy.js'
import { PolicyError } from './errors.js'
import { StaticPolicy } from './staticPolicy.js'
import type { Policy, PolicyBackend } from './types.js'
import { WebhookPolicy } from './webhookPolicy.js'

export interface PolicyConfig {
  backend: PolicyBackend
  /** static: the policy file (.json or .toml) */
  file?: string
  /** dev: gatewayAppId to report */
  gatewayAppId?: string
  /** static: re-read interval in ms (default 250) */
  reloadIntervalMs?: number
  /** webhook: the dstack auth API base URL (`user:pass@` is sent as Basic auth, never logged) */
  url?: string
  /** webhook: per-call deadline in ms (default 5000) */
  timeoutMs?: number
}

/** Build the configured policy backend. `evm` is not available yet (PolicyError). */
export function createPolicy(config: PolicyConfig, logger: Logger = nullLogger): Policy {
  switch (config.backend) {
    case 'static':
      if (!config.file)
        throw new PolicyError('POLICY_BAD_CONFIG', 'the static policy needs a file: set [policy] file = "policy.json"')
      return new StaticPolicy({
        file: config.file,
        logger,
        ...(config.reloadIntervalMs !== undefined ? { reloadIntervalMs: config.reloadIntervalMs } : {}),
      })
    case 'dev':
      return new DevPolicy({
        logger,
        ...(config.gatewayAppId !== undefined ? { gatewayAppId: config.gatewayAppId } : {}),
      })
    case 'webhook':
      if (!config.url)
        throw new PolicyError(
          'POLICY_BAD_CONFIG',
          'the webhook policy needs a url: set [policy] webhook_url = "http://127.0.0.1:8090/"',
        )
      return new WebhookPolicy({
        url: config.url,
        logger,
        ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      })
    case 'evm':
      throw new PolicyError(
        'POLICY_BACKEND_UNAVAILABLE',
        `policy backend "${config.backend}" is not available yet in this Custos; use "static" (or "dev" for development)`,
        { backend: config.backend },
      )
    default:
      throw new PolicyError(
        'POLICY_BAD_CONFIG',
        `unknown policy backend ${JSON.stringify((config as { backend: unknown }).backend)}: use "static", "webhook" or "dev"`,
      )
  }
}
