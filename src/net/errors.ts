import { defineErrors } from '../errors.js'

/**
 * Attested-TLS failures. The peer-facing ones are 400 like dstack's ra-rpc ("invalid quote",
 * "No attestation provided"); transport failures on the client side carry 502/504.
 */
export const NetError = defineErrors('NetError', {
  /** the TLS peer sent no certificate where one is required */
  NET_NO_CLIENT_CERT: 400,
  /** the peer certificate carries no RA-TLS attestation extension */
  NET_NO_ATTESTATION: 400,
  /** the attestation's report_data is not sha512("ratls-cert:" ‖ SPKI) of the certificate key */
  NET_BINDING_MISMATCH: 400,
  /** the certificate (or an RA-TLS extension in it) does not parse, is outside its validity, or fails the pin */
  NET_BAD_CERT: 400,
  /** the attestation does not decode or its verifier refused it (meta.reason has the AttestationError code) */
  NET_PEER_REJECTED: 400,
  /** the certificate's dstack special-usage extension is not the one required */
  NET_WRONG_USAGE: 400,
  /** connecting or talking to the peer failed */
  NET_UNREACHABLE: 502,
  /** the peer did not answer in time */
  NET_TIMEOUT: 504,
  /** a loopback listener got a Host header that is not a loopback name (DNS rebinding) */
  NET_HOST_NOT_ALLOWED: 403,
  /** a state-changing call on a browser-reachable listener without Content-Type: application/json (CSRF) */
  NET_JSON_REQUIRED: 415,
})
export type NetError = InstanceType<typeof NetError>
export type NetErrorCode = NetError['code']
