import { defineErrors } from '../../errors.js'

/**
 * Errors of the running committee (API and orchestration). Refusals that the caller can fix are 4xx; a committee
 * that cannot answer now (too few members online, keys not generated yet, members not answering) is 503.
 */
export const CommitteeError = defineErrors('CommitteeError', {
  /** malformed sign request or query */
  MPC_BAD_REQUEST: 400,
  /** no credentials, or an unknown token */
  MPC_UNAUTHENTICATED: 401,
  /** the predecessor may not use this domain (policy) */
  MPC_FORBIDDEN: 403,
  /** no such domain in this epoch */
  MPC_UNKNOWN_DOMAIN: 404,
  /** fewer than t members online: fails fast */
  MPC_NOT_ENOUGH_ONLINE: 503,
  /** the domain key has not been generated yet (DKG running) */
  MPC_KEY_NOT_READY: 503,
  /** every signing attempt failed (members timed out or sent bad shares) */
  MPC_SIGN_FAILED: 503,
  /** a preprocessed commitment this process did not hand out (it restarted and burned the nonce, or never made it) */
  MPC_STALE_NONCE: 409,
})
export type CommitteeError = InstanceType<typeof CommitteeError>
