import type { ServerOptions } from 'node:https'

export interface SignerTlsOptionsParameters {
  /** Server certificate (PEM), optionally followed by its chain. */
  certPem: string
  keyPem: string
  /**
   * CA bundle (PEM) that client certificates must chain to. When set, a validator client must present a
   * certificate issued by it (unless `requireClientCert` is false: then one is only requested and NOT enforced;
   * `socket.authorized` tells whether a valid one was sent).
   */
  clientCaPem?: string
  /** Default true when `clientCaPem` is set. */
  requireClientCert?: boolean
}

/**
 * HTTPS options for the validator-client listener: TLS 1.2+ with the operator's server certificate and, optionally,
 * client-certificate authentication chained to `clientCaPem` (Web3Signer's `--tls-known-clients-file` /
 * `--tls-allow-ca-clients` in spirit). Unlike RA-TLS listeners, client certificates ARE chain-checked here.
 */
export function signerTlsOptions(p: SignerTlsOptionsParameters): ServerOptions {
  const opts: ServerOptions = { cert: p.certPem, key: p.keyPem, minVersion: 'TLSv1.2' }
  if (p.clientCaPem) {
    const require = p.requireClientCert ?? true
    opts.ca = p.clientCaPem
    opts.requestCert = true
    opts.rejectUnauthorized = require
  }
  return opts
}
