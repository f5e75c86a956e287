import { createHash } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { EvidenceVerifier } from '../attestation/index.js'
import { type Logger, nullLogger } from '../log.js'
import { NetError } from './errors.js'
import type { RaTlsCertificateInfo } from './readRaTlsCertificate.js'
import type { PeerIdentity } from './types.js'
import { verifyRaTlsCertificate } from './verifyRaTlsCertificate.js'

export interface PeerVerifierOptions {
  verifier: EvidenceVerifier
  /** unix seconds */
  now: () => number
  /** require this dstack special usage on the peer certificate */
  expectedUsage?: string
  /** how long a verified certificate stays trusted without re-verification (default 60 s) */
  ttlSeconds?: number
  /** LRU size (default 256 certificates) */
  maxEntries?: number
  logger?: Logger
}

interface CacheEntry {
  expires: number
  result: Promise<PeerIdentity>
}

/**
 * Verifies the RA-TLS evidence of TLS peers: once per socket (WeakMap, failures stay cached as rejections), and
 * once per certificate for `ttlSeconds` across sockets (LRU keyed by sha256(cert DER)), so keep-alive clients and
 * reconnects are cheap. Safe because TLS already proved the peer holds the certificate's key.
 */
export class PeerVerifier {
  readonly #opts: PeerVerifierOptions
  readonly #sockets = new WeakMap<TLSSocket, Promise<PeerIdentity | undefined>>()
  readonly #cache = new Map<string, CacheEntry>()
  readonly #log: Logger

  constructor(opts: PeerVerifierOptions) {
    this.#opts = opts
    this.#log = opts.logger ?? nullLogger
  }

  /**
   * The verified identity of the peer on `socket` (after the handshake), or undefined when it sent no certificate.
   * Rejects with a NetError when the certificate's evidence does not verify.
   */
  verifySocket(socket: TLSSocket): Promise<PeerIdentity | undefined> {
    let p = this.#sockets.get(socket)
    if (!p) {
      // the verdict is per socket: a TLS 1.2 renegotiation must not swap the certificate behind it
      socket.disableRenegotiation?.()
      p = this.#verifySocket(socket)
      p.catch(() => {}) // cached rejection; callers observe it
      this.#sockets.set(socket, p)
    }
    return p
  }

  async #verifySocket(socket: TLSSocket): Promise<PeerIdentity | undefined> {
    const cert = socket.getPeerX509Certificate()
    if (!cert) return undefined
    return this.verifyCertificate(new Uint8Array(cert.raw))
  }

  /**
   * Verify one certificate, using the TTL cache: its DER, or what `readRaTlsCertificate` read from it (then the
   * certificate is not parsed again; a cache hit does not parse it at all).
   */
  verifyCertificate(cert: Uint8Array | RaTlsCertificateInfo): Promise<PeerIdentity> {
    const now = this.#opts.now()
    const der = cert instanceof Uint8Array ? cert : cert.der
    const key = createHash('sha256').update(der).digest('hex')
    const hit = this.#cache.get(key)
    if (hit && hit.expires > now) {
      this.#cache.delete(key) // refresh LRU position
      this.#cache.set(key, hit)
      return hit.result
    }
    if (hit) this.#cache.delete(key)
    const result = this.#verify(cert, der, now)
    const entry = { expires: now + (this.#opts.ttlSeconds ?? 60), result }
    this.#cache.set(key, entry)
    result.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key)
    })
    const max = this.#opts.maxEntries ?? 256
    while (this.#cache.size > max) {
      const oldest = this.#cache.keys().next().value
      if (oldest === undefined) break
      this.#cache.delete(oldest)
    }
    return result
  }

  async #verify(cert: Uint8Array | RaTlsCertificateInfo, der: Uint8Array, now: number): Promise<PeerIdentity> {
    try {
      const v = await verifyRaTlsCertificate(cert, this.#opts.verifier, now, {
        expectedUsage: this.#opts.expectedUsage,
      })
      const peer: PeerIdentity = { identity: v.identity, spki: v.spki, certDer: der }
      if (v.usage !== undefined) peer.usage = v.usage
      if (v.appId) peer.appId = v.appId
      this.#log.debug({ platform: v.identity.platform, usage: v.usage ?? '' }, 'ra-tls peer verified')
      return peer
    } catch (err) {
      const code = err instanceof NetError ? err.code : 'unknown'
      this.#log.warn({ code }, 'ra-tls peer rejected')
      throw err
    }
  }

  /** Drop all cached certificate verdicts (e.g. after a policy or trust-root change). */
  clear(): void {
    this.#cache.clear()
  }
}
