import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { DevPolicy } from './devPolicy.js'
import { PolicyError } from './errors.js'
import { EvmPolicy } from './evmPolicy.js'
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
  /** evm: JSON-RPC URL of the chain holding the Custos contracts */
  rpcUrl?: string
  /** evm: the chain id the RPC must report */
  chainId?: number
  /** evm: CustosKms registry address */
  kmsContract?: string
  /** evm: CustosCommittee address (the policy then logs every new committee epoch) */
  committeeContract?: string
  /** evm: re-read the head block at most this often (ms, default 2000; 0 = every request) */
  maxStalenessMs?: number
  /** evm: per-RPC-request deadline in ms (default 5000) */
  rpcTimeoutMs?: number
}

/** Build the configured policy backend (PolicyError POLICY_BAD_CONFIG when its settings are missing). */
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
      if (!config.rpcUrl || !config.kmsContract || config.chainId === undefined)
        throw new PolicyError(
          'POLICY_BAD_CONFIG',
          'the evm policy needs [policy] evm_rpc_url, evm_chain_id and evm_kms_contract',
        )
      return new EvmPolicy({
        rpcUrl: config.rpcUrl,
        chainId: config.chainId,
        kmsContract: config.kmsContract,
        logger,
        ...(config.committeeContract ? { committeeContract: config.committeeContract } : {}),
        ...(config.maxStalenessMs !== undefined ? { maxStalenessMs: config.maxStalenessMs } : {}),
        ...(config.rpcTimeoutMs !== undefined ? { timeoutMs: config.rpcTimeoutMs } : {}),
      })
    default:
      throw new PolicyError(
        'POLICY_BAD_CONFIG',
        `unknown policy backend ${JSON.stringify((config as { backend: unknown }).backend)}: use "static", "webhook", "evm" or "dev"`,
      )
  }
}
