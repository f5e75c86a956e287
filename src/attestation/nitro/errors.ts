import { defineErrors } from '../../errors.js'

/**
 * Every reason the AWS Nitro verifier refuses a document. All are HTTP 400: the evidence is bad, not the server.
 * `meta.field` names the CBOR field, `meta.what` the certificate (e.g. `cabundle[2]`, `certificate`).
 */
export const NitroError = defineErrors('NitroError', {
  /** bytes are not a COSE_Sign1 attestation document (bad CBOR, missing or mistyped field, size limit) */
  NITRO_MALFORMED: 400,
  /** the protected header names an algorithm other than ES384, or carries critical headers we do not know */
  NITRO_UNSUPPORTED: 400,
  /** the COSE signature does not verify with the signing certificate's key */
  NITRO_BAD_SIGNATURE: 400,
  /** cabundle[0] is not the pinned AWS Nitro Enclaves root */
  NITRO_UNTRUSTED_ROOT: 400,
  /** a certificate does not parse, is not signed by its issuer, or breaks CA / key-usage / path-length rules */
  NITRO_CHAIN_INVALID: 400,
  /** a certificate is outside its validity window at the verification time */
  NITRO_CERT_EXPIRED: 400,
  /** the document timestamp is too old (or in the future) relative to `now` */
  NITRO_STALE: 400,
  /** user_data differs from the attestation's / the expected report_data */
  NITRO_REPORT_DATA_MISMATCH: 400,
  /** debug-mode enclave (PCR0–2 all zero) and debug is not allowed */
  NITRO_DEBUG: 400,
  /** the os_image_hash in the embedded vm config differs from sha256(PCR0‖PCR1‖PCR2) */
  NITRO_OS_IMAGE_MISMATCH: 400,
})
export type NitroError = InstanceType<typeof NitroError>
export type NitroErrorCode = NitroError['code']
