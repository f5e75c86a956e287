import { defineErrors } from '../errors.js'

/**
 * Every reason evidence can be refused. All map to HTTP 400 (the evidence is bad, not the server).
 * Messages name what failed (which check, which region) and never carry key bytes.
 */
export const AttestationError = defineErrors('AttestationError', {
  /** bytes do not parse (truncated quote, bad SCALE, bad PEM, …); meta.offset says where */
  ATTESTATION_MALFORMED: 400,
  /** a signature (quote, QE report, certificate) does not verify */
  ATTESTATION_BAD_SIGNATURE: 400,
  /** the certificate chain does not end in a trusted root */
  ATTESTATION_UNTRUSTED_ROOT: 400,
  /** simulated evidence presented to a verifier that does not trust the simulated TEE */
  ATTESTATION_SIMULATED_NOT_TRUSTED: 400,
  /** evidence kind (or variant) this node cannot verify */
  ATTESTATION_UNSUPPORTED: 400,
  /** a certificate or collateral is outside its validity window at `now` */
  ATTESTATION_EXPIRED: 400,
  /** report_data differs from the expected value */
  ATTESTATION_REPORT_DATA_MISMATCH: 400,
  /** the event log does not replay to the quoted register */
  ATTESTATION_EVENT_LOG_MISMATCH: 400,
  /** a measurement register differs from what the claimed image/config implies */
  ATTESTATION_MEASUREMENT_MISMATCH: 400,
  /** the platform TCB is revoked */
  ATTESTATION_TCB_REVOKED: 400,
  /** a debug enclave/TD and debug is not allowed */
  ATTESTATION_DEBUG: 400,
  /** the QE report does not bind the attestation key (report_data hash mismatch) */
  ATTESTATION_QE_BINDING: 400,
})
export type AttestationError = InstanceType<typeof AttestationError>
export type AttestationErrorCode = AttestationError['code']
