import { defineErrors } from '../errors.js'

/**
 * Errors of the validator signer (keys, signing-root computation, deposits). Statuses follow Web3Signer:
 * a request it cannot parse or whose `signingRoot` disagrees with the payload is 400, an unknown key is 404.
 * Keystore import failures are 400 (Keymanager API) and never echo the keystore or the password.
 * Slashing refusals have their own `SlashingError` (412) in `slashing/`.
 */
export const SignerError = defineErrors('SignerError', {
  /** The sign request body does not match the Web3Signer schema for its type (field path in meta). */
  SIGNER_BAD_PAYLOAD: 400,
  /** The client sent a `signingRoot` that differs from the root computed from the typed payload. */
  SIGNER_SIGNING_ROOT_MISMATCH: 400,
  /** No key with this public key is loaded. */
  SIGNER_UNKNOWN_KEY: 404,
  /** The keystore is not a valid EIP-2335 v4 keystore, or the secret in it is not a valid BLS key. */
  SIGNER_BAD_KEYSTORE: 400,
  /**
   * The keystore's KDF asks for more memory or work than any EIP-2335 tool produces (scrypt 128·n·r·p above
   * 256 MiB, pbkdf2 c above 2^18); parameter and limit in meta. Refused before the KDF runs.
   */
  SIGNER_KEYSTORE_KDF_LIMIT: 400,
  /** The keystore checksum does not match: the password is wrong. */
  SIGNER_BAD_KEYSTORE_PASSWORD: 400,
  /** The payload names a fork (version) this signer cannot hash. */
  SIGNER_UNSUPPORTED_FORK: 400,
})
export type SignerError = InstanceType<typeof SignerError>
export type SignerErrorCode = SignerError['code']
