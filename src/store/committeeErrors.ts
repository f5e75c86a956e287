import { defineErrors } from '../errors.js'

/**
 * Errors of the committee's durable state (nonces, key shares, epoch state). Meta carries session ids (hex),
 * epochs, domain and attempt ids, never nonce or share bytes.
 */
export const CommitteeStoreError = defineErrors('CommitteeStoreError', {
  /** an argument is out of range (epoch ≥ 2^63, session id not 32 bytes, value not SecretBytes, …) */
  STORE_COMMITTEE_BAD_INPUT: 400,
  /** a nonce was already reserved for this session (or the session already used or burned one) */
  STORE_NONCE_EXISTS: 409,
  /** no nonce was ever reserved for this session (or its record was pruned) */
  STORE_NONCE_UNKNOWN: 404,
  /** the session's nonce was already taken: a nonce is returned once */
  STORE_NONCE_USED: 409,
  /** the session's nonce was burned (left over from before a restart, discarded, or its epoch was left) */
  STORE_NONCE_BURNED: 409,
  /** a reserved nonce's sealed bytes are gone: the database was changed outside Custos */
  STORE_NONCE_MISSING: 500,
  /** no key share is stored for this epoch and domain */
  STORE_SHARE_UNKNOWN: 404,
  /** a sealed share or epoch state does not decode: the database was changed outside Custos */
  STORE_COMMITTEE_CORRUPT: 500,
  /** the attempt id does not exceed the last attempt begun for this epoch */
  STORE_ATTEMPT_STALE: 409,
  /** the epoch state does not allow this step (no such attempt in progress, epoch going backwards, …) */
  STORE_EPOCH_STATE_CONFLICT: 409,
})
export type CommitteeStoreError = InstanceType<typeof CommitteeStoreError>
export type CommitteeStoreErrorCode = CommitteeStoreError['code']
