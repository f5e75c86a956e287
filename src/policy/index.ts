export type { AuthAppOptions } from './authServer.js'
export { AUTH_BACKEND_UNAVAILABLE, AUTH_INVALID_REQUEST, createAuthApp } from './authServer.js'
export type { BootAuthRequest } from './authServerRequest.js'
export { BootAuthRequestSchema, bootInfoFromRequest, identityFromBootInfo } from './authServerRequest.js'
export type { HexLike, StaticPolicySpec } from './buildStaticPolicy.js'
export { buildStaticPolicy, serializeStaticPolicy, writeExamplePolicy, writeStaticPolicy } from './buildStaticPolicy.js'
export type { PolicyConfig } from './createPolicy.js'
export { createPolicy } from './createPolicy.js'
export { DEV_POLICY_REASON, DevPolicy } from './devPolicy.js'
export { PolicyError } from './errors.js'
export { DENY, evaluateStaticPolicy } from './evaluateStaticPolicy.js'
export type {
  CommitteeEvent,
  CommitteeMember,
  CommitteeState,
  CommitteeWatcher,
  WatchCommitteeOptions,
} from './evmCommitteeWatcher.js'
export { readCommittee, watchCommittee } from './evmCommitteeWatcher.js'
export type { FollowCommitteeOptions } from './evmFollowCommittee.js'
export { followCommittee } from './evmFollowCommittee.js'
export type { EvmPolicyOptions } from './evmPolicy.js'
export {
  EVM_DEFAULT_MAX_STALENESS_MS,
  EVM_RPC_UNREACHABLE,
  EVM_UNAVAILABLE,
  EvmPolicy,
} from './evmPolicy.js'
export type { EvmRpc } from './evmRpc.js'
export { createEvmRpc, EVM_DEFAULT_TIMEOUT_MS } from './evmRpc.js'
export type { StaticPolicyOptions } from './staticPolicy.js'
export { StaticPolicy } from './staticPolicy.js'
export type { PolicyFileFormat, StaticPolicyConfig, StaticPolicyInput } from './staticPolicyConfig.js'
export {
  normalizeHex,
  parseStaticPolicy,
  policyFormatOf,
  StaticPolicySchema,
  validateStaticPolicy,
} from './staticPolicyConfig.js'
export { TEE_VARIANT_OF, toBootInfo } from './toBootInfo.js'
export type {
  Policy,
  PolicyBackend,
  PolicyBootInfo,
  PolicyDecision,
  PolicyInfo,
  PolicyRole,
  TeeVariant,
} from './types.js'
export type { WebhookPolicyOptions } from './webhookPolicy.js'
export {
  AuthInfoResponseSchema,
  BootAuthResponseSchema,
  WEBHOOK_DEFAULT_TIMEOUT_MS,
  WEBHOOK_UNAVAILABLE,
  WebhookPolicy,
} from './webhookPolicy.js'
