import { type ClientHttp2Session, type ClientHttp2Stream, constants, connect as h2connect } from 'node:http2'
import { isIP } from 'node:net'
import { type SecureContext, type TLSSocket, connect as tlsConnect } from 'node:tls'
import type { Logger } from '../../log.js'
import { serverLeafCertificate } from '../serverCertificateCheck.js'
import type { PeerAuthentication, Refused } from './authenticatePeer.js'
import { PeerError } from './errors.js'
import { AckReader, encodeFrame, reasonOfCode, STREAM_PATH } from './frames.js'
import { channelBinding, DROP_HEADER, decodeHello, HELLO_PATH, type Hello } from './hello.js'
import type { MemberEntry } from './memberTable.js'
import type { DropReason, PeerLimits } from './types.js'

export interface PeerLinkContext {
  secureContext: SecureContext
  limits: PeerLimits
  /** evidence, pin and authorize for the member we dial (before any HTTP/2 byte is written) */
  checkCertificate(certDer: Uint8Array, entry: MemberEntry): Promise<PeerAuthentication>
  /** our hello (client role) for this connection */
  hello(binding: Uint8Array): Uint8Array
  /** the server's hello proves it is `entry` on this connection */
  recognise(hello: Hello | undefined, binding: Uint8Array, entry: MemberEntry): Refused | undefined
  refused(r: Refused, id: number): void
  /** the link went up or down */
  changed(): void
  log: Logger
}

/** The receiver's verdict on one envelope: accepted (no reason) or dropped for `reason`. */
export interface PostResult {
  accepted: boolean
  reason?: DropReason
}

interface Pending {
  resolve: (r: PostResult) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

interface Connection {
  session: ClientHttp2Session
  stream: ClientHttp2Stream
  pending: Map<number, Pending>
}

/** Exponential backoff with ±20% jitter: base·2^(n-1), capped. */
export function backoffMs(n: number, base: number, max: number): number {
  const d = Math.min(max, base * 2 ** Math.max(0, Math.min(n - 1, 20)))
  return Math.round(d * (0.8 + 0.4 * Math.random()))
}

const failure = (e: unknown): string =>
  e instanceof PeerError ? String(e.meta.reason ?? e.code) : ((e as NodeJS.ErrnoException)?.code ?? 'error')

/**
 * The one outbound connection to one member: TLS 1.3 with our RA-TLS certificate; the server's certificate
 * checked (evidence, pin, authorize) before any HTTP/2 byte is written; hellos both ways; then one long-lived
 * envelope stream (see frames.ts). Kept up with PINGs and re-established with backoff while the link lives.
 */
export class PeerLink {
  readonly entry: MemberEntry
  /** messages waiting for or in flight on this link (bounded by `maxOutboundPerPeer`) */
  pending = 0
  /** why the last connection attempt failed (a drop reason or a socket error code) */
  lastError: string | undefined
  /** the member's epoch as its hello said */
  remoteEpoch: bigint | undefined
  readonly #ctx: PeerLinkContext
  #conn: Connection | undefined
  #nextId = 0
  #connecting = false
  #closed = false
  #failures = 0
  #timer: NodeJS.Timeout | undefined
  readonly #waiters = new Set<() => void>()

  constructor(entry: MemberEntry, ctx: PeerLinkContext) {
    this.entry = entry
    this.#ctx = ctx
    void this.#connect()
  }

  get online(): boolean {
    const c = this.#conn
    return c !== undefined && !c.session.destroyed && !c.stream.destroyed
  }

  /** Resolves once the link is up, waiting at most `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new PeerError('PEER_CLOSED', 'the link to this member is closed'))
    if (this.online) return Promise.resolve()
    if (!this.#connecting && !this.#timer) void this.#connect()
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(t)
        this.#waiters.delete(done)
        if (this.online) resolve()
        else reject(new PeerError('PEER_CLOSED', 'the link to this member is closed'))
      }
      const t = setTimeout(() => {
        this.#waiters.delete(done)
        reject(
          new PeerError('PEER_UNREACHABLE', `participant ${this.entry.member.id} is not connected`, {
            peer: this.entry.member.id,
            reason: this.lastError ?? 'connecting',
          }),
        )
      }, timeoutMs)
      this.#waiters.add(done)
    })
  }

  /** Send one envelope on the live stream; resolves with the receiver's verdict, rejects on a transport failure. */
  post(envelope: Uint8Array, timeoutMs: number): Promise<PostResult> {
    const c = this.#conn
    if (!c || !this.online)
      return Promise.reject(new PeerError('PEER_UNREACHABLE', 'not connected', { reason: 'disconnected' }))
    this.#nextId = (this.#nextId + 1) >>> 0
    const id = this.#nextId
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.pending.delete(id)
        reject(new PeerError('PEER_TIMEOUT', 'the member did not acknowledge in time', { reason: 'timeout' }))
      }, timeoutMs)
      c.pending.set(id, { resolve, reject, timer })
      c.stream.write(encodeFrame(id, envelope))
    })
  }

  /** Close the link for good (the member left or changed). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#conn?.session.destroy()
    for (const w of [...this.#waiters]) w()
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return
    const { backoffBaseMs, backoffMaxMs } = this.#ctx.limits
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        void this.#connect()
      },
      backoffMs(this.#failures, backoffBaseMs, backoffMaxMs),
    )
    this.#timer.unref()
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#connecting || this.online) return
    this.#connecting = true
    try {
      const conn = await this.#open()
      if (this.#closed) {
        conn.session.destroy()
        return
      }
      this.#conn = conn
      this.#failures = 0
      this.lastError = undefined
      conn.session.once('close', () => {
        const gone = new PeerError('PEER_UNREACHABLE', 'the connection closed', { reason: 'disconnected' })
        for (const p of conn.pending.values()) {
          clearTimeout(p.timer)
          p.reject(gone)
        }
        conn.pending.clear()
        if (this.#conn !== conn) return
        this.#conn = undefined
        this.#ctx.changed()
        this.#failures = 1
        this.#schedule()
      })
      this.#ctx.changed()
      for (const w of [...this.#waiters]) w()
    } catch (e) {
      this.lastError = failure(e)
      this.#failures++
      this.#ctx.log.debug(
        { peer: this.entry.member.id, reason: this.lastError, failures: this.#failures },
        'peer connection failed',
      )
      this.#schedule()
    } finally {
      this.#connecting = false
    }
  }

  /**
   * TLS → the server's certificate (evidence, pin, authorize) → HTTP/2 → hellos (node-key proofs bound to this
   * connection) → envelope stream. Throws on any failure, with the socket destroyed.
   */
  async #open(): Promise<Connection> {
    const entry = this.entry
    const { host, port, member } = entry
    const { limits } = this.#ctx
    const socket: TLSSocket = tlsConnect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      secureContext: this.#ctx.secureContext,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false, // trust comes from the RA-TLS evidence, checked below
      minVersion: 'TLSv1.3',
    })
    socket.on('error', () => {}) // surfaced as 'close' → serverLeafCertificate rejects
    const timer = setTimeout(() => socket.destroy(), limits.connectTimeoutMs)
    let session: ClientHttp2Session | undefined
    const refuse = (r: Refused): never => {
      this.#ctx.refused(r, member.id)
      throw new PeerError('PEER_UNREACHABLE', `participant ${member.id} was refused`, { reason: r.reason })
    }
    try {
      const leaf = await serverLeafCertificate(socket)
      const cert = await this.#ctx.checkCertificate(new Uint8Array(leaf.raw), entry)
      if (!cert.ok) refuse(cert)
      if (socket.destroyed) throw new PeerError('PEER_UNREACHABLE', 'the connection closed', { reason: 'closed' })
      const binding = channelBinding(socket)
      const s = h2connect(`https://${host.includes(':') ? `[${host}]` : host}:${port}`, {
        createConnection: () => socket,
        settings: { enablePush: false, initialWindowSize: 1024 * 1024 },
        maxSessionMemory: 64,
      })
      session = s
      s.on('error', () => {})
      const answer = await this.#hello(s, this.#ctx.hello(binding), limits.connectTimeoutMs)
      if (answer.status !== 200)
        throw new PeerError('PEER_UNREACHABLE', `participant ${member.id} refused our hello`, {
          reason: answer.reason ?? `status ${answer.status}`,
        })
      const hello = decodeHello(answer.body)
      const r = this.#ctx.recognise(hello, binding, entry)
      if (r) refuse(r)
      this.remoteEpoch = hello!.epoch
      s.setLocalWindowSize(16 * 1024 * 1024)
      const conn = await this.#openStream(s, limits.connectTimeoutMs)
      this.#keepAlive(s)
      return conn
    } catch (e) {
      session?.destroy()
      socket.destroy()
      throw e
    } finally {
      clearTimeout(timer)
    }
  }

  #hello(
    s: ClientHttp2Session,
    body: Uint8Array,
    timeoutMs: number,
  ): Promise<{ status: number; reason?: string; body: Uint8Array }> {
    return new Promise((resolve, reject) => {
      const req = s.request({ ':method': 'POST', ':path': HELLO_PATH, 'content-type': 'application/octet-stream' })
      req.setTimeout(timeoutMs, () => req.close(constants.NGHTTP2_CANCEL))
      let status = 0
      let reason: string | undefined
      const chunks: Buffer[] = []
      req.on('response', (h) => {
        status = Number(h[':status'])
        const r = h[DROP_HEADER]
        if (typeof r === 'string') reason = r
      })
      req.on('data', (c: Buffer) => {
        if (chunks.length < 4) chunks.push(c)
      })
      req.on('end', () =>
        resolve({ status, ...(reason ? { reason } : {}), body: new Uint8Array(Buffer.concat(chunks)) }),
      )
      req.on('error', (e) => reject(e))
      req.on('close', () =>
        reject(new PeerError('PEER_UNREACHABLE', 'the member closed the hello', { reason: reason ?? 'closed' })),
      )
      req.end(body)
    })
  }

  /** The envelope stream: frames out, acks in; it closing closes the session (and so reconnects). */
  #openStream(s: ClientHttp2Session, timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const stream = s.request(
        { ':method': 'POST', ':path': STREAM_PATH, 'content-type': 'application/octet-stream' },
        { endStream: false },
      )
      const conn: Connection = { session: s, stream, pending: new Map() }
      const acks = new AckReader((id, code) => {
        const p = conn.pending.get(id)
        if (!p) return
        conn.pending.delete(id)
        clearTimeout(p.timer)
        const reason = reasonOfCode(code)
        p.resolve(code === 0 ? { accepted: true } : { accepted: false, ...(reason ? { reason } : {}) })
      })
      const t = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), timeoutMs)
      stream.on('response', (h) => {
        clearTimeout(t)
        if (Number(h[':status']) === 200) resolve(conn)
        else {
          reject(new PeerError('PEER_UNREACHABLE', 'the member refused the envelope stream', { reason: 'stream' }))
          s.destroy()
        }
      })
      stream.on('data', (c: Buffer) => acks.push(c))
      stream.on('error', () => {})
      stream.once('close', () => {
        clearTimeout(t)
        reject(new PeerError('PEER_UNREACHABLE', 'the envelope stream closed', { reason: 'stream' }))
        s.destroy()
      })
    })
  }

  /** PING on an interval; an unanswered PING closes the session (and so triggers a reconnect). */
  #keepAlive(s: ClientHttp2Session): void {
    const every = this.#ctx.limits.pingIntervalMs
    const iv = setInterval(() => {
      if (s.destroyed) return
      const deadline = setTimeout(() => s.destroy(), every)
      deadline.unref()
      s.ping((err) => {
        clearTimeout(deadline)
        if (err) s.destroy()
      })
    }, every)
    iv.unref()
    s.once('close', () => clearInterval(iv))
  }
}
