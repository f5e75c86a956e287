import { createSecureContext } from 'node:tls'
import type { EvidenceVerifier } from '../../attestation/index.js'
import { toHex } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import { PeerVerifier } from '../peerVerifier.js'
import { checkPeerCertificate, type PeerAuthentication, type Refused, recogniseHello } from './authenticatePeer.js'
import { checkEnvelope } from './checkEnvelope.js'
import { deliverEnvelope } from './deliverEnvelope.js'
import { DropLog } from './dropLog.js'
import { decodeEnvelope, ENVELOPE_OVERHEAD, MAX_ROUND_BYTES, signEnvelope } from './envelope.js'
import { PeerError } from './errors.js'
import { decodeHello, encodeHello, type Hello } from './hello.js'
import { type MemberEntry, MemberTable } from './memberTable.js'
import type { NodeSigner } from './nodeKey.js'
import { PeerLink } from './peerLink.js'
import type { PeerMetrics } from './peerMetrics.js'
import { PeerServer } from './peerServer.js'
import { ReplayWindow } from './replayWindow.js'
import { SessionQueues } from './sessionQueues.js'
import {
  type AuthorizePeer,
  DEFAULT_PEER_LIMITS,
  type DropReason,
  type PeerLimits,
  type PeerMember,
  type ReceivedEnvelope,
} from './types.js'

export interface PeerNetworkOptions {
  /** this node's participant id */
  id: number
  /** this node's Ed25519 node key (signs every envelope) */
  signer: NodeSigner
  /** this node's RA-TLS certificate and key, PEM (server and client side); see `createPeerTlsIdentity` */
  tls: { certPem: string; keyPem: string }
  epoch: bigint | number
  members: readonly PeerMember[]
  /** checks the peers' RA-TLS evidence (a shared PeerVerifier caches verdicts across connections) */
  verifier: EvidenceVerifier | PeerVerifier
  /** policy decision per connection (role `mpc`), see `AuthorizePeer` */
  authorize: AuthorizePeer
  /** where to listen (default 127.0.0.1, port 0 = any) */
  listen?: { host?: string; port?: number }
  /** unix seconds, for certificate validity (default: the system clock) */
  now?: () => number
  logger?: Logger
  metrics?: PeerMetrics
  limits?: Partial<PeerLimits>
}

/** What `send` takes: sender, epoch and seq are filled in by the network. */
export interface OutgoingMessage {
  sessionId: Uint8Array
  round: string
  payload: Uint8Array
}

export interface SendOptions {
  /** deadline including retries (default `sendTimeoutMs`) */
  timeoutMs?: number
}

export interface RecvOptions {
  sessionId: Uint8Array
  round: string
  /** only from this member */
  from?: number
  /** default: the current epoch */
  epoch?: bigint | number
  timeoutMs: number
}

export interface BroadcastResult {
  delivered: number[]
  failed: Map<number, PeerError>
}

export interface PeerNetworkStats {
  sent: number
  sendFailed: number
  received: number
  dropped: Record<DropReason, number>
  queued: { sessions: number; messages: number; bytes: number }
}

const toEpoch = (e: bigint | number): bigint => {
  const b = typeof e === 'number' ? BigInt(e) : e
  if (b < 0n || b >= 1n << 64n) throw new PeerError('PEER_BAD_MESSAGE', 'epoch must be a u64')
  return b
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The committee message bus: signed envelopes bound to (epoch, session, round, sender, recipient, seq) between
 * the members of the current epoch, per-session inbound queues. Every refusal is counted, logged at warn
 * (rate-limited per reason) and answered with its reason.
 *
 * Transport: HTTP/2 (node:http2) over mutual TLS 1.3 with RA-TLS certificates. One outbound connection per member
 * (the member's server authenticates us, we authenticate it), so each direction has one persistent connection
 * with PING liveness, flow control and reconnects; the hello is an ordinary request (status + reason on refusal)
 * and envelopes are framed on one long-lived stream with per-frame acks (frames.ts), which keeps the per-message
 * cost at the Ed25519 sign/verify rather than at HTTP/2 stream setup. HTTP/1.1 keep-alive would need one
 * connection per in-flight message; a raw TLS framing would need our own liveness and flow control.
 *
 * Identity: the certificate's evidence says what code runs (checked by `verifier`, then `authorize`); the hello,
 * signed by the node key over this connection's TLS exporter, says which member it is.
 */
export class PeerNetwork {
  readonly id: number
  readonly #opts: PeerNetworkOptions
  readonly #limits: PeerLimits
  readonly #log: Logger
  readonly #drops: DropLog
  readonly #queues: SessionQueues
  readonly #replay: ReplayWindow
  readonly #verifier: PeerVerifier
  readonly #secureContext: ReturnType<typeof createSecureContext>
  readonly #links = new Map<number, PeerLink>()
  #members: MemberTable
  #server: PeerServer | undefined
  #seq: bigint
  #closed = false
  #online = -1
  #sweep: NodeJS.Timeout | undefined
  #stats = { sent: 0, sendFailed: 0, received: 0 }

  private constructor(opts: PeerNetworkOptions) {
    this.id = opts.id
    this.#opts = opts
    this.#limits = { ...DEFAULT_PEER_LIMITS, ...opts.limits }
    this.#log = opts.logger ?? nullLogger
    this.#drops = new DropLog({
      logger: this.#log,
      burst: this.#limits.dropLogBurst,
      intervalMs: this.#limits.dropLogIntervalMs,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    })
    this.#queues = new SessionQueues(this.#limits)
    this.#replay = new ReplayWindow(this.#limits.replayWindowPerSender)
    const now = opts.now ?? (() => Math.floor(Date.now() / 1000))
    this.#verifier =
      opts.verifier instanceof PeerVerifier
        ? opts.verifier
        : new PeerVerifier({ verifier: opts.verifier, now, logger: this.#log })
    this.#secureContext = createSecureContext({ cert: opts.tls.certPem, key: opts.tls.keyPem })
    this.#members = new MemberTable(toEpoch(opts.epoch), opts.members)
    // Increasing across restarts without storing anything: microseconds-ish since 1970, then +1 per envelope.
    this.#seq = BigInt(Date.now()) * 1_000_000n
  }

  /** Listen, then connect to every other member. */
  static async start(opts: PeerNetworkOptions): Promise<PeerNetwork> {
    const n = new PeerNetwork(opts)
    n.#server = await PeerServer.listen({
      certPem: opts.tls.certPem,
      keyPem: opts.tls.keyPem,
      host: opts.listen?.host ?? '127.0.0.1',
      port: opts.listen?.port ?? 0,
      maxEnvelopeBytes: n.#limits.maxPayloadBytes + ENVELOPE_OVERHEAD + MAX_ROUND_BYTES,
      windowBytes: 16 * 1024 * 1024,
      helloTimeoutMs: n.#limits.connectTimeoutMs,
      authenticate: (hello, der, binding) => n.#authenticateClient(hello, der, binding),
      hello: (binding) => n.#hello('server', binding),
      refused: (a, remote) => n.#refused(a, { remote, side: 'inbound' }),
      isCurrent: (e) => n.#members.isCurrent(e),
      accept: (bytes, e) => n.#accept(bytes, e),
      oversize: (e) => n.#drops.drop('oversize', { peer: e.member.id }, 'peer message dropped'),
    })
    n.#sweep = setInterval(() => n.#queues.sweep(), Math.max(1000, Math.floor(n.#limits.sessionIdleMs / 4)))
    n.#sweep.unref()
    n.#syncLinks()
    n.#log.info({ url: n.#server.url, id: n.id, epoch: String(n.#members.epoch) }, 'peer network listening')
    return n
  }

  /** `https://host:port` this node's peer server listens on. */
  get url(): string {
    return this.#server!.url
  }

  get epoch(): bigint {
    return this.#members.epoch
  }

  /** Members (other than this node) with a live, mutually authorised outbound connection, ascending. */
  onlinePeers(): number[] {
    return [...this.#links.values()]
      .filter((l) => l.online)
      .map((l) => l.entry.member.id)
      .sort((a, b) => a - b)
  }

  /** Wait until every member in `ids` (default: all others) is online; rejects with PEER_TIMEOUT. */
  async waitForPeers(ids?: readonly number[], timeoutMs = 10_000): Promise<void> {
    const want = ids ?? this.#members.ids().filter((i) => i !== this.id)
    const end = Date.now() + timeoutMs
    for (;;) {
      const online = new Set(this.onlinePeers())
      const missing = want.filter((i) => !online.has(i))
      if (missing.length === 0) return
      if (Date.now() >= end)
        throw new PeerError('PEER_TIMEOUT', `members ${missing.join(', ')} did not come online`, {
          missing: missing.join(','),
        })
      await sleep(20)
    }
  }

  /**
   * Move to another epoch (or change the member table of this one). Connections to members that left or whose
   * key, URL or pinned TLS key changed are closed; on an epoch change, queued messages and waiting `recv`s of
   * the old epoch are dropped (PEER_EPOCH_CHANGED).
   */
  setEpoch(epoch: bigint | number, members: readonly PeerMember[]): void {
    const e = toEpoch(epoch)
    const prev = this.#members
    this.#members = new MemberTable(e, members, prev)
    this.#server?.dropMembers((id) => {
      const old = prev.get(id)
      return !old || !this.#members.isCurrent(old)
    })
    for (const id of prev.ids()) if (!this.#members.get(id)) this.#replay.forget(id)
    if (e !== prev.epoch) this.#queues.keepEpoch(e)
    this.#syncLinks()
    this.#log.info({ epoch: String(e), members: this.#members.ids().join(',') }, 'peer network epoch set')
  }

  /** Send one message to one member; resolves when that member acknowledged it (checks passed, queued). */
  async send(recipient: number, msg: OutgoingMessage, opts: SendOptions = {}): Promise<void> {
    this.#open()
    if (recipient === this.id) {
      this.#loopback(this.#sign(recipient, msg))
      return
    }
    const link = this.#links.get(recipient)
    if (!link)
      throw new PeerError('PEER_NOT_MEMBER', `participant ${recipient} is not a member of epoch ${this.epoch}`, {
        peer: recipient,
      })
    const bytes = this.#sign(recipient, msg)
    await this.#deliver(link, bytes, opts.timeoutMs ?? this.#limits.sendTimeoutMs)
  }

  /**
   * Send one envelope (recipient "all", signed once) to every other member, in parallel. Never rejects for
   * a single member: the result lists who acknowledged and why the others failed.
   */
  async broadcast(msg: OutgoingMessage, opts: SendOptions = {}): Promise<BroadcastResult> {
    this.#open()
    const bytes = this.#sign('all', msg)
    const links = [...this.#links.values()]
    const results = await Promise.allSettled(
      links.map((l) => this.#deliver(l, bytes, opts.timeoutMs ?? this.#limits.sendTimeoutMs)),
    )
    const out: BroadcastResult = { delivered: [], failed: new Map() }
    results.forEach((r, i) => {
      const id = links[i]!.entry.member.id
      if (r.status === 'fulfilled') out.delivered.push(id)
      else
        out.failed.set(
          id,
          r.reason instanceof PeerError ? r.reason : new PeerError('PEER_UNREACHABLE', 'send failed', { peer: id }),
        )
    })
    out.delivered.sort((a, b) => a - b)
    return out
  }

  /** The next message of `round` in this session (optionally from one member), waiting up to `timeoutMs`. */
  recv(o: RecvOptions): Promise<ReceivedEnvelope> {
    if (this.#closed) return Promise.reject(new PeerError('PEER_CLOSED', 'the peer network is closed'))
    return this.#queues.recv(
      {
        epoch: o.epoch === undefined ? this.epoch : toEpoch(o.epoch),
        sessionId: o.sessionId,
        round: o.round,
        ...(o.from !== undefined ? { from: o.from } : {}),
      },
      o.timeoutMs,
    )
  }

  /** One message of `round` from each of `from`, all within `timeoutMs` (PEER_TIMEOUT names who is missing). */
  async collect(o: Omit<RecvOptions, 'from'> & { from: readonly number[] }): Promise<Map<number, ReceivedEnvelope>> {
    const out = new Map<number, ReceivedEnvelope>()
    const settled = await Promise.allSettled(o.from.map((from) => this.recv({ ...o, from })))
    const missing: number[] = []
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') out.set(o.from[i]!, r.value)
      else missing.push(o.from[i]!)
    })
    if (missing.length > 0)
      throw new PeerError('PEER_TIMEOUT', `no "${o.round}" message from members ${missing.join(', ')}`, {
        round: o.round,
        missing: missing.join(','),
      })
    return out
  }

  /** Drop a finished session's queue; later messages for it are refused (`session_closed`, logged at debug). */
  closeSession(sessionId: Uint8Array, epoch: bigint | number = this.epoch): void {
    this.#queues.close(toEpoch(epoch), sessionId)
  }

  stats(): PeerNetworkStats {
    return { ...this.#stats, dropped: { ...this.#drops.counts }, queued: this.#queues.stats }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#sweep)
    for (const l of this.#links.values()) l.close()
    this.#links.clear()
    this.#queues.closeAll(new PeerError('PEER_CLOSED', 'the peer network is closed'))
    await this.#server?.close()
  }

  #open(): void {
    if (this.#closed) throw new PeerError('PEER_CLOSED', 'the peer network is closed')
  }

  #sign(recipient: number | 'all', msg: OutgoingMessage): Uint8Array {
    this.#seq++
    return signEnvelope(
      {
        epoch: this.epoch,
        sessionId: msg.sessionId,
        round: msg.round,
        sender: this.id,
        recipient,
        seq: this.#seq,
        payload: msg.payload,
      },
      (m) => this.#opts.signer.sign(m),
      this.#limits.maxPayloadBytes,
    )
  }

  #loopback(bytes: Uint8Array): void {
    const d = decodeEnvelope(bytes)
    const r = this.#queues.push({ ...d.envelope, signature: d.signature, raw: bytes })
    if (r !== 'ok') throw new PeerError('PEER_OUTBOUND_FULL', `the local queue refused the message (${r})`)
  }

  async #deliver(link: PeerLink, bytes: Uint8Array, timeoutMs: number): Promise<void> {
    const id = link.entry.member.id
    if (link.pending >= this.#limits.maxOutboundPerPeer) {
      this.#failed(id, 'PEER_OUTBOUND_FULL')
      throw new PeerError('PEER_OUTBOUND_FULL', `too many messages are waiting for member ${id}`, { peer: id })
    }
    link.pending++
    try {
      await deliverEnvelope(link, bytes, timeoutMs, this.#limits, () => this.#closed)
      this.#stats.sent++
      this.#opts.metrics?.sent(id)
    } catch (e) {
      this.#failed(id, e instanceof PeerError ? e.code : 'PEER_UNREACHABLE')
      throw e
    } finally {
      link.pending--
    }
  }

  #failed(id: number, code: string): void {
    this.#stats.sendFailed++
    this.#opts.metrics?.sendFailed(id, code)
  }

  /** Check and queue one inbound envelope; undefined = accepted, else the drop reason (counted and logged). */
  #accept(bytes: Uint8Array, entry: MemberEntry): DropReason | undefined {
    const peer = entry.member.id
    const drop = (reason: DropReason, log: Record<string, string | number> = {}, level: 'warn' | 'debug' = 'warn') => {
      this.#drops.drop(reason, { peer, ...log }, 'peer message dropped', level)
      return reason
    }
    if (!this.#members.isCurrent(entry)) return drop('not_member')
    const c = checkEnvelope(bytes, {
      entry,
      epoch: this.#members.epoch,
      self: this.id,
      maxPayloadBytes: this.#limits.maxPayloadBytes,
      replay: this.#replay,
    })
    if (!c.ok) return drop(c.reason, c.log)
    const e = c.envelope
    const r = this.#queues.push(e)
    if (r !== 'ok') {
      const log = { sender: e.sender, round: e.round, seq: String(e.seq), session: toHex(e.sessionId) }
      return r === 'session_closed' ? drop(r, log, 'debug') : drop(r, log)
    }
    this.#replay.record(e)
    this.#stats.received++
    this.#opts.metrics?.received(peer)
    return undefined
  }

  /** Server side: the client's hello names and proves the member, then its certificate is checked. */
  async #authenticateClient(
    helloBytes: Uint8Array,
    certDer: Uint8Array | undefined,
    binding: Uint8Array,
  ): Promise<PeerAuthentication> {
    const hello = decodeHello(helloBytes)
    const entry = recogniseHello(hello, 'client', binding, this.#members)
    if ('ok' in entry) return entry
    if (hello && hello.epoch !== this.#members.epoch)
      this.#log.debug({ peer: hello.id, epoch: String(hello.epoch) }, 'peer is at another epoch')
    return checkPeerCertificate(certDer, entry, this.#verifier, this.#opts.authorize)
  }

  #hello(role: 'client' | 'server', binding: Uint8Array): Uint8Array {
    return encodeHello({ id: this.id, epoch: this.#members.epoch, signer: this.#opts.signer, role, binding })
  }

  #recogniseServer(hello: Hello | undefined, binding: Uint8Array, entry: MemberEntry): Refused | undefined {
    const r = recogniseHello(hello, 'server', binding, this.#members, entry.member.id)
    if ('ok' in r) return r
    if (r !== entry) return { ok: false, reason: 'not_member', detail: 'membership changed during the check' }
    return undefined
  }

  #refused(a: Refused, ctx: Record<string, string | number>): void {
    this.#drops.drop(a.reason, { ...ctx, detail: a.detail }, 'peer connection refused')
  }

  /** One link per other member of the current table; links of departed or changed members are closed. */
  #syncLinks(): void {
    for (const [id, link] of this.#links) {
      if (!this.#members.isCurrent(link.entry)) {
        link.close()
        this.#links.delete(id)
      }
    }
    for (const entry of this.#members.entries()) {
      const id = entry.member.id
      if (id === this.id || this.#links.has(id)) continue
      this.#links.set(
        id,
        new PeerLink(entry, {
          secureContext: this.#secureContext,
          limits: this.#limits,
          checkCertificate: (der, e) => checkPeerCertificate(der, e, this.#verifier, this.#opts.authorize),
          hello: (binding) => this.#hello('client', binding),
          recognise: (hello, binding, e) => this.#recogniseServer(hello, binding, e),
          refused: (a, peer) => this.#refused(a, { peer, side: 'outbound' }),
          changed: () => this.#changed(),
          log: this.#log,
        }),
      )
    }
    this.#changed()
  }

  #changed(): void {
    const n = this.onlinePeers().length
    if (n === this.#online) return
    this.#online = n
    this.#opts.metrics?.online(n)
  }
}
