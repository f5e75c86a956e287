import { defineErrors } from '../../errors.js'

/**
 * Every reason the DCAP verifier refuses a quote or its collateral. All are HTTP 400: the evidence (or the
 * collateral served with it) is bad, not the server. `meta.what` names the certificate, CRL or region.
 */
export const DcapError = defineErrors('DcapError', {
  /** collateral JSON does not match the expected shape (missing key, bad hex, bad PEM) */
  DCAP_COLLATERAL_MALFORMED: 400,
  /** there is no collateral for this quote (e.g. a trusted simulated vendor whose collateral/ folder is absent) */
  DCAP_COLLATERAL_MISSING: 400,
  /** the quote bytes do not parse (truncated, unknown body type, non-zero trailing bytes, …) */
  DCAP_QUOTE_MALFORMED: 400,
  /** quote version / TEE type / attestation key / certification data type this verifier does not accept */
  DCAP_UNSUPPORTED: 400,
  /** a chain does not end in the pinned trusted root (Intel's, or a configured simulated root) */
  DCAP_UNTRUSTED_ROOT: 400,
  /** a certificate does not parse, is not signed by its issuer, or has the wrong CA/end-entity role */
  DCAP_CERT_CHAIN: 400,
  /** a CA or signing certificate is listed in a CRL */
  DCAP_CERT_REVOKED: 400,
  /** the PCK leaf certificate is listed in the PCK CRL */
  DCAP_PCK_REVOKED: 400,
  /** a CRL does not parse, is not signed by its issuer, or does not cover the certificate it must */
  DCAP_CRL_INVALID: 400,
  /** a certificate, CRL, TCB Info or QE Identity is outside its validity window at `now` */
  DCAP_EXPIRED: 400,
  /** the TCB Info signature does not verify over the exact signed JSON bytes */
  DCAP_TCB_INFO_SIGNATURE: 400,
  /** TCB Info parses but is not usable (wrong id/version for the quote, bad fields) */
  DCAP_TCB_INFO_INVALID: 400,
  /** the QE Identity signature does not verify over the exact signed JSON bytes */
  DCAP_QE_IDENTITY_SIGNATURE: 400,
  /** QE Identity parses but is not usable (wrong id/version, bad fields) */
  DCAP_QE_IDENTITY_INVALID: 400,
  /** the QE report does not match the QE Identity (MRSIGNER, ISVPRODID, MISCSELECT, ATTRIBUTES, ISVSVN) */
  DCAP_QE_IDENTITY_MISMATCH: 400,
  /** the QE vendor ID in the header is not Intel's (or, under a simulated root, not CUSTOS-SIMULATED) */
  DCAP_QE_VENDOR: 400,
  /** the QE report signature does not verify with the PCK leaf key */
  DCAP_QE_REPORT_SIGNATURE: 400,
  /** sha256(attestation key ‖ QE auth data) is not in the QE report's report_data */
  DCAP_QE_BINDING: 400,
  /** the quote signature does not verify with the attestation key */
  DCAP_QUOTE_SIGNATURE: 400,
  /** the Intel SGX extension of the PCK certificate is missing or malformed */
  DCAP_PCK_EXTENSION: 400,
  /** the PCK certificate FMSPC differs from the TCB Info FMSPC */
  DCAP_FMSPC_MISMATCH: 400,
  /** the PCK certificate PCE-ID differs from the TCB Info PCE-ID */
  DCAP_PCEID_MISMATCH: 400,
  /** no TCB level of the TCB Info matches the platform (or the TDX module) */
  DCAP_NO_TCB_LEVEL: 400,
  /** the TDX module identity (MRSIGNER_SEAM, SEAM attributes) does not match the TCB Info */
  DCAP_TDX_MODULE_MISMATCH: 400,
  /** the merged TCB status is Revoked */
  DCAP_TCB_REVOKED: 400,
  /** a TCB status string this verifier does not know */
  DCAP_TCB_STATUS_UNKNOWN: 400,
  /** debug enclave/TD (or debug QE) and debug is not allowed */
  DCAP_DEBUG: 400,
  /** TD attributes violate policy (reserved bits set, SEPT_VE_DISABLE clear) */
  DCAP_TD_ATTRIBUTES: 400,
  /** TD 1.5 MR_SERVICETD is non-zero and service TDs are not allowed */
  DCAP_SERVICE_TD: 400,
  /** report_data differs from the expected value (or from the attestation's report_data) */
  DCAP_REPORT_DATA_MISMATCH: 400,
  /** the runtime events do not replay to the quoted RTMR3 */
  DCAP_EVENT_LOG_MISMATCH: 400,
  /** simulated evidence only: MRTD/RTMR0–2 are not the simulated measurements of the vm config's os_image_hash */
  DCAP_MEASUREMENT_MISMATCH: 400,
})
export type DcapError = InstanceType<typeof DcapError>
export type DcapErrorCode = DcapError['code']
