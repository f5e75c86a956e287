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
    ...(p.evm_rpc_url ? { rpcUrl: p.evm_rpc_url } : {}),
    chainId: p.evm_chain_id,
    ...(p.evm_kms_contract ? { kmsContract: p.evm_kms_contract } : {}),
    ...(p.evm_committee_contract ? { committeeContract: p.evm_committee_contract } : {}),
    maxStalenessMs: p.evm_max_staleness_ms,
  }
}
