import { connect } from 'node:tls'
import { NetError } from './errors.js'

/**
 * Connect to `url` (https) and return the server's leaf certificate DER WITHOUT verifying anything
 * (onboarding: read a source KMS's RA-TLS certificate, then verify it with `verifyRaTlsCertificate`).
 */
export function fetchPeerCertificate(url: string | URL, opts: { timeoutMs?: number } = {}): Promise<Uint8Array> {
  const u = typeof url === 'string' ? new URL(url) : url
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const port = Number(u.port || 443)
  return new Promise((resolve, reject) => {
    const servername = /^[\d.]+$|:/.test(host) ? undefined : host
    const socket = connect({ host, port, servername, rejectUnauthorized: false })
    socket.setTimeout(opts.timeoutMs ?? 10_000, () =>
      socket.destroy(new NetError('NET_TIMEOUT', 'the peer did not finish the TLS handshake in time')),
    )
    socket.once('secureConnect', () => {
      const x = socket.getPeerX509Certificate()
      socket.end()
      if (!x) reject(new NetError('NET_BAD_CERT', 'the server presented no certificate'))
      else resolve(new Uint8Array(x.raw))
    })
    socket.once('error', (err) => {
      if (err instanceof NetError) reject(err)
      else
        reject(
          new NetError(
            'NET_UNREACHABLE',
            'could not connect to the peer',
            { reason: (err as NodeJS.ErrnoException).code ?? 'unknown' },
            { cause: err },
          ),
        )
    })
  })
}
