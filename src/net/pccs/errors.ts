import { defineErrors } from '../../errors.js'

/** PCCS / Intel PCS collateral fetching and caching. */
export const PccsError = defineErrors('PccsError', {
  /** bad client options (URL, cache directory) */
  PCCS_INVALID_CONFIG: 500,
  /** the quote cannot name its collateral (no PCK chain in it, no Intel SGX extension, unknown TEE) */
  PCCS_UNSUPPORTED_QUOTE: 400,
  /** connecting to the PCCS failed or timed out */
  PCCS_UNREACHABLE: 502,
  /** the PCCS answered with a non-2xx status */
  PCCS_HTTP_STATUS: 502,
  /** the PCCS answer lacks a header or does not parse */
  PCCS_BAD_RESPONSE: 502,
  /** offline mode and the cache has no copy of a collateral item */
  PCCS_OFFLINE_MISSING: 503,
  /** offline mode and the cached collateral is past its nextUpdate */
  PCCS_COLLATERAL_EXPIRED: 503,
})
export type PccsError = InstanceType<typeof PccsError>
export type PccsErrorCode = PccsError['code']
