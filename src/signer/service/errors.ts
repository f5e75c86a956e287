import { defineErrors } from '../../errors.js'

/**
 * Errors of the signer service and its HTTP front ends (on top of `SignerError` for payloads and keys and
 * `SlashingError` for refusals). Statuses follow Web3Signer and the Keymanager API. Messages never carry key
 * bytes, passwords or request values.
 */
export const SignerServiceError = defineErrors('SignerServiceError', {
  /** fork_info.genesis_validators_root is not the network this signer serves. */
  SIGNER_WRONG_NETWORK: 400,
  /** A public key in a path or body is not 0x-prefixed hex of 48 bytes. */
  SIGNER_BAD_PUBKEY: 400,
  /** The request body is not JSON, or does not match the endpoint's schema (field path in meta). */
  SIGNER_BAD_REQUEST: 400,
  /** The request body is larger than the configured limit. */
  SIGNER_BODY_TOO_LARGE: 413,
  /**
   * The client closed the connection before its request body arrived (nginx's 499): nobody is left to answer, so
   * it is counted with this status in metrics and logged at debug, never as a server failure.
   */
  SIGNER_CLIENT_CLOSED: 499,
  /** No bearer token was sent to the Keymanager API. */
  SIGNER_UNAUTHORIZED: 401,
  /** The bearer token sent to the Keymanager API is wrong. */
  SIGNER_FORBIDDEN: 403,
  /** The signer configuration is unusable (e.g. no genesis_validators_root for the network). */
  SIGNER_BAD_CONFIG: 500,
  /** The slashing-protection database could not record the request (I/O, disk full, locked): nothing was signed. */
  SIGNER_SLASHING_UNAVAILABLE: 503,
  /** The service was closed. */
  SIGNER_CLOSED: 503,
})
export type SignerServiceError = InstanceType<typeof SignerServiceError>
export type SignerServiceErrorCode = SignerServiceError['code']
