import type { Identity } from '../attestation/index.js'

/** Who is asking: an app workload for its keys, or a KMS peer for replication (dstack bootAuth/app|kms). */
export type PolicyRole = 'app' | 'kms'

export interface PolicyDecision {
  allowed: boolean
  /** why (deny reasons are the auth-simple strings: "compose hash not allowed", …) */
  reason: string
  /** dstack gatewayAppId, returned to apps in GetAppKey */
  gatewayAppId: string
}

/** dstack auth API `GET /` info (dstack-kms.md §4.2). */
export interface PolicyInfo {
  gatewayAppId: string
  kmsContractAddr: string
  chainId: number
  appImplementation: string
}

/**
 * "Is this Identity allowed to do X?" One interface for the static file, the EVM contracts and the
 * dstack webhook. Implementations fail closed: any error is a deny (or a thrown PolicyError), never an allow.
 */
export interface Policy {
  readonly kind: 'static' | 'evm' | 'webhook' | 'dev'
  check(role: PolicyRole, identity: Identity): Promise<PolicyDecision>
  info(): Promise<PolicyInfo>
  close(): Promise<void>
}
