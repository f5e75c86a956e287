export type { Policy, PolicyDecision, PolicyInfo, PolicyRole } from './types.js'
