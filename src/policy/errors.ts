import { defineErrors } from '../errors.js'

export const PolicyError = defineErrors('PolicyError', {
  /** the configured backend is not implemented in this version (evm, webhook) */
  POLICY_BACKEND_UNAVAILABLE: 501,
  /** the policy configuration (backend, file path, format) is wrong */
  POLICY_BAD_CONFIG: 400,
  /** a static policy document does not parse or validate; the message names the field */
  POLICY_FILE_INVALID: 400,
  /** a remote authorization backend (dstack auth webhook) did not answer or answered garbage */
  POLICY_AUTH_UNAVAILABLE: 503,
})
export type PolicyError = InstanceType<typeof PolicyError>
