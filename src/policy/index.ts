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
