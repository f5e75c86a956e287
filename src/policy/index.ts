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
export { redactUrl } from './webhookUrl.js'
