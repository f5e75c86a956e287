import { defineErrors } from '../errors.js'

/** KMS refusals. dstack answers every prpc error with HTTP 400 `{"error": …}`; so do we, except 5xx-worthy ones. */
export const KmsError = defineErrors('KmsError', {
  KMS_NOT_READY: 400,
  KMS_ALREADY_BOOTSTRAPPED: 400,
  KMS_BAD_DOMAIN: 400,
  KMS_BAD_INPUT: 400,
  KMS_NO_ATTESTATION: 400,
  KMS_INVALID_QUOTE: 400,
  KMS_SELF_NOT_ALLOWED: 400,
  KMS_APP_NOT_ALLOWED: 400,
  KMS_KMS_NOT_ALLOWED: 400,
  KMS_BAD_APP_ID: 400,
  KMS_OS_IMAGE_MISMATCH: 400,
  /** `[kms] require_temp_ca_client_cert`: the RA-TLS client certificate is not issued by this KMS's temp CA */
  KMS_CLIENT_CERT_NOT_FROM_TEMP_CA: 400,
  KMS_UNSUPPORTED_API_VERSION: 400,
  KMS_ONBOARD_FAILED: 400,
  KMS_BAD_CSR: 400,
  /** SignCert: the requested not_before/not_after is outside what this KMS issues */
  KMS_BAD_VALIDITY: 400,
  /** Admin.ClearImageCache: a cache key that is neither "", "all" nor hex (dstack: "invalid cache key") */
  KMS_INVALID_CACHE_KEY: 400,
  /** the admin listener: no admin token, or a wrong one (dstack's admin authenticator answers 401 to both) */
  KMS_ADMIN_UNAUTHORIZED: 401,
  /** the authorization policy cannot be evaluated (bad policy file, backend down); details only in the log */
  KMS_POLICY_UNAVAILABLE: 503,
  /** stored or received KMS material does not match its keys (tampered database, bad onboard source) */
  KMS_MATERIAL_INVALID: 500,
})
export type KmsError = InstanceType<typeof KmsError>
