import type { ServerOptions } from 'node:https'

export interface TlsServerOptionsParameters {
  certPem: string
  keyPem: string
  /** ask clients for a certificate (dstack: optional client cert chained to the tmp CA) */
  requestClientCert?: boolean
  /** CA names to advertise in the CertificateRequest (e.g. the tmp CA); not enforced */
  clientCaPem?: string
  /** server chain after the leaf (e.g. app CA), PEM */
  chainPem?: string
}

/**
 * TLS options for an attested server. Client certificates are requested but not chain-checked
 * (`rejectUnauthorized: false`, like dstack's `mandatory = false` mTLS): trust comes from the RA-TLS evidence,
 * which `PeerVerifier.verifySocket` checks. TLS still proves the client holds its certificate's key.
 */
export function tlsServerOptions(p: TlsServerOptionsParameters): ServerOptions {
  const opts: ServerOptions = {
    cert: p.chainPem ? `${p.certPem.trimEnd()}\n${p.chainPem}` : p.certPem,
    key: p.keyPem,
    minVersion: 'TLSv1.2',
    requestCert: p.requestClientCert ?? false,
    rejectUnauthorized: false,
  }
  if (p.clientCaPem) opts.ca = p.clientCaPem
  return opts
}
