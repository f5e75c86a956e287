import type { Identity } from '../attestation/index.js'

/** Who is at the other end of an attested TLS connection (verified RA-TLS certificate). */
export interface PeerIdentity {
  identity: Identity
  /** SPKI DER of the peer's TLS key (what the attestation is bound to) */
  spki: Uint8Array
  /** the peer certificate, DER */
  certDer: Uint8Array
  /** dstack special usage (ext .1.4), if present */
  usage?: string
  /** issuer-asserted app id (ext .1.3), if present; `identity.appId` is the attested one */
  appId?: Uint8Array
}
