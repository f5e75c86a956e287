import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import { createSecureContext, type TLSSocket } from 'node:tls'
import type { EvidenceVerifier } from '../attestation/index.js'
import { CustosError } from '../errors.js'
import type { Logger } from '../log.js'
import { NetError } from './errors.js'
import { PeerVerifier } from './peerVerifier.js'
import { checkServerCertificate, type ServerCheckOptions } from './serverCertificateCheck.js'
import type { PeerIdentity } from './types.js'

export interface AttestedClientOptions {
  /** our RA-TLS client certificate (optionally followed by its chain), PEM */
  clientCertPem?: string
  clientKeyPem?: string
  /** verifies the server's evidence; required unless `peerVerifier` is given */
  verifier?: EvidenceVerifier
  /**
   * Share one server-certificate verdict cache across clients (e.g. one client per certificate, as a booting
   * app verifies its KMS once); when set, `verifier` and `cacheTtlSeconds` are not used. `expectedUsage`
   * is still checked on every connection.
   */
  peerVerifier?: PeerVerifier
  /** unix seconds */
  now: () => number
  /** required dstack usage of the server certificate (`kms:rpc` when talking to a KMS) */
  expectedUsage?: string
  /** require the server chain to end at this root CA (PEM) */
  pinnedRootCaPem?: string
  /** accept servers whose certificate has no attestation (peer is undefined); present evidence is still verified */
  allowUnattested?: boolean
  /**
   * Authorise the server (which KMS, which peer) once per connection after its evidence verified and before
   * any request byte is written; throw to refuse. Attested evidence alone says what code runs, not that it
   * is the party this client means to talk to.
   */
  authorizeServer?: ServerCheckOptions['authorizeServer']
  /** reuse connections (default true); false opens a fresh TLS connection (full handshake) per request */
  keepAlive?: boolean
  /** per-request socket idle timeout (default 30 s) */
  timeoutMs?: number
  /** TTL of verified server certificates across reconnects (default 60 s) */
  cacheTtlSeconds?: number
  logger?: Logger
}

export interface AttestedRequestInit {
  method?: string
  headers?: OutgoingHttpHeaders
  body?: Uint8Array | string
}

export interface AttestedResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Uint8Array
  /** verified server identity; undefined only with `allowUnattested` and an unattested server */
  peer: PeerIdentity | undefined
}

export interface AttestedClient {
  request(url: string | URL, init?: AttestedRequestInit): Promise<AttestedResponse>
  /** destroy pooled keep-alive connections */
  close(): void
}

function wrap(err: unknown): Error {
  // our own refusals (NetError, or the caller's authorizeServer error) keep their code
  if (err instanceof CustosError) return err
  const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown'
  return new NetError('NET_UNREACHABLE', 'the attested TLS request failed', { reason: code }, { cause: err })
}

/**
 * HTTPS client over a keep-alive agent that verifies the SERVER's RA-TLS certificate once per connection before
 * any request bytes are written; on failure the connection is destroyed and the request rejects with a NetError.
 * Chain checks are off (`rejectUnauthorized: false`) except the optional root pin: trust comes from the evidence.
 */
export function createAttestedClient(opts: AttestedClientOptions): AttestedClient {
  const agent = new Agent({
    keepAlive: opts.keepAlive ?? true,
    rejectUnauthorized: false,
    maxCachedSessions: 0, // full handshake per connection: the server certificate is always seen and checked
    // one TLS context for every connection of this client (tls.connect would otherwise re-read the PEM key
    // and certificate per connection)
    secureContext: createSecureContext({ cert: opts.clientCertPem, key: opts.clientKeyPem }),
  })
  let peerVerifier = opts.peerVerifier
  if (!peerVerifier) {
    if (!opts.verifier) throw new TypeError('createAttestedClient needs a verifier or a peerVerifier')
    peerVerifier = new PeerVerifier({
      verifier: opts.verifier,
      now: opts.now,
      expectedUsage: opts.expectedUsage,
      ttlSeconds: opts.cacheTtlSeconds,
      logger: opts.logger,
    })
  }
  const check: ServerCheckOptions = { ...opts, peerVerifier }
  const sockets = new WeakMap<TLSSocket, Promise<PeerIdentity | undefined>>()
  const checked = (s: TLSSocket): Promise<PeerIdentity | undefined> => {
    let p = sockets.get(s)
    if (!p) {
      p = checkServerCertificate(s, check)
      p.catch(() => {})
      sockets.set(s, p)
    }
    return p
  }

  function request(url: string | URL, init: AttestedRequestInit = {}): Promise<AttestedResponse> {
    const u = typeof url === 'string' ? new URL(url) : url
    if (u.protocol !== 'https:') return Promise.reject(new TypeError('attested requests need an https: URL'))
    return new Promise((resolve, reject) => {
      let peer: PeerIdentity | undefined
      const req = httpsRequest(
        u,
        { agent, method: init.method ?? 'GET', headers: init.headers, timeout: opts.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', (e) => reject(wrap(e)))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: new Uint8Array(Buffer.concat(chunks)),
              peer,
            }),
          )
        },
      )
      req.on('error', (e) => reject(wrap(e)))
      req.on('timeout', () => req.destroy(new NetError('NET_TIMEOUT', 'the attested peer did not answer in time')))
      req.once('socket', (socket) => {
        checked(socket as TLSSocket).then(
          (p) => {
            peer = p
            if (init.body !== undefined) req.end(init.body)
            else req.end()
          },
          (err) => req.destroy(err),
        )
      })
    })
  }

  return { request, close: () => agent.destroy() }
}
