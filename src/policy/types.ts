import type { Identity } from '../attestation/index.js'

/**
 * Who is asking: an app workload for its keys, a KMS peer for replication (dstack bootAuth/app|kms), or a
 * threshold-committee member (`mpc`). Node roles (`kms`, `mpc`) are judged by the same rules: the KMS
 * measurements and devices of a static policy, `isKmsAllowed` on chain, `bootAuth/kms` of a webhook.
 */
export type PolicyRole = 'app' | 'kms' | 'mpc'

export interface PolicyDecision {
  allowed: boolean
  /** why (deny reasons are the auth-simple strings: "compose hash not allowed", …; '' when a static policy allows) */
  reason: string
  /** dstack gatewayAppId, returned to apps in GetAppKey */
  gatewayAppId: string
  /**
   * The backend could not decide at all (e.g. the policy file is missing or does not parse): a deny whose
   * `reason` is for the operator's log only (it may name files and parser errors), never for the caller.
   */
  unavailable?: boolean
}

/** dstack auth API `GET /` info (dstack-kms.md §4.2). */
export interface PolicyInfo {
  gatewayAppId: string
  kmsContractAddr: string
  chainId: number
  appImplementation: string
}

/**
 * dstack `teeVariant` strings (dstack-kms.md §4.2). `custos-sgx` is a Custos extension: dstack has no
 * SGX variant; auth servers ignore the field.
 */
export type TeeVariant =
  | 'dstack-tdx'
  | 'dstack-gcp-tdx'
  | 'dstack-nitro-enclave'
  | 'dstack-amd-sev-snp'
  | 'dstack-aws-nitro-tpm'
  | 'custos-sgx'

/**
 * The dstack bootAuth request body (`PolicyBootInfo`, dstack-kms.md §4.2): camelCase, bytes as
 * lowercase hex without 0x, '' for absent values. This exact JSON is what a webhook backend POSTs.
 */
export interface PolicyBootInfo {
  teeVariant: TeeVariant
  mrAggregated: string
  osImageHash: string
  mrSystem: string
  appId: string
  composeHash: string
  instanceId: string
  deviceId: string
  keyProviderInfo: string
  tcbStatus: string
  advisoryIds: string[]
}

/** Policy backends: a static file, a dstack-style webhook, the Custos EVM contracts, or allow-all dev. */
export type PolicyBackend = 'static' | 'evm' | 'webhook' | 'dev'

/**
 * "Is this Identity allowed to do X?" One interface for the static file, the EVM contracts and the
 * dstack webhook. Implementations fail closed: any error is a deny (or a thrown PolicyError), never an allow.
 */
export interface Policy {
  readonly kind: PolicyBackend
  check(role: PolicyRole, identity: Identity): Promise<PolicyDecision>
  info(): Promise<PolicyInfo>
  close(): Promise<void>
}
