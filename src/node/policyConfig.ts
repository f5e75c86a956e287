import type { PolicyConfig } from '../policy/index.js'
import { type Config, homePath } from './config.js'

/** `[policy]` of a node config → the policy factory's options (paths resolved against the node home). */
export function policyConfigFromNode(cfg: Config): PolicyConfig {
  const p = cfg.policy
  return {
    backend: p.backend,
    file: homePath(cfg, p.file),
    ...(p.webhook_url ? { url: p.webhook_url } : {}),
    timeoutMs: p.webhook_timeout_ms,
  }
}
