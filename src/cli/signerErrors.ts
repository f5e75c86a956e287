import { defineErrors } from '../errors.js'

/**
 * Input errors of `custos signer …`. The CLI prints the message and exits non-zero; messages name the option or
 * file at fault and never contain passwords or key bytes.
 */
export const SignerCliError = defineErrors('SignerCliError', {
  /** An option value is missing, malformed or inconsistent with another option. */
  CLI_BAD_OPTION: 400,
  /** A network config file (custom networks) cannot be read or does not match the documented fields. */
  CLI_BAD_NETWORK_CONFIG: 400,
  /** A keystore or password file cannot be read, is not EIP-2335, or the password is wrong. */
  CLI_BAD_KEYSTORE: 400,
  /** The interchange-test folder has no test cases (or cannot be read). */
  CLI_NO_TEST_CASES: 404,
  /** An output file already exists (this command never overwrites). */
  CLI_OUTPUT_EXISTS: 409,
})
export type SignerCliError = InstanceType<typeof SignerCliError>
