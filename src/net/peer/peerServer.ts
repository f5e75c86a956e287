import { once } from 'node:events'
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { PeerAuthentication, Refused } from './authenticatePeer.js'
import { ACK_CODES, encodeAck, FrameReader, STREAM_PATH } from './frames.js'
import { channelBinding, DROP_HEADER, HELLO_BYTES, HELLO_PATH } from './hello.js'
import type { MemberEntry } from './memberTable.js'
import { DROP_STATUS, type DropReason } from './types.js'

/** connections kept per member; a newer one (a reconnect) closes the oldest */
const SESSIONS_PER_MEMBER = 2

export interface PeerServerOptions {
  certPem: string
  keyPem: string
  host: string
  port: number
  /** largest envelope frame (bytes): a longer one is skipped and answered `oversize` */
  maxEnvelopeBytes: number
  /** per-connection flow-control window (bytes) */
  windowBytes: number
  /** a connection that has not completed its hello by then is closed (ms) */
  helloTimeoutMs: number
  /** authenticate the client from its hello body, certificate and the connection's channel binding */
  authenticate(hello: Uint8Array, certDer: Uint8Array | undefined, binding: Uint8Array): Promise<PeerAuthentication>
  /** our hello for this connection (the response) */
  hello(binding: Uint8Array): Uint8Array
  /** a connection was refused (log + count) */
  refused(r: Refused, remote: string): void
  /** the entry is still a member of the current epoch */
  isCurrent(entry: MemberEntry): boolean
  /** check and queue one envelope; undefined = accepted, else the drop reason */
  accept(bytes: Uint8Array, entry: MemberEntry): DropReason | undefined
  /** a body over `maxEnvelopeBytes` was refused */
  oversize(entry: MemberEntry): void
}

interface SessionState {
  auth?: Promise<PeerAuthentication>
  /** the hello was answered (either way) */
  settled: boolean
  remote: string
  binding: Uint8Array
  certDer: Uint8Array | undefined
}

/**
 * The inbound side: HTTP/2 over mutual TLS 1.3. A connection's first stream must be the hello; until it has
 * authenticated the client (member, node-key proof bound to this connection, evidence, authorize) no envelope
 * is read, and a failed or missing hello closes the connection.
 */
export class PeerServer {
  readonly url: string
  readonly #server: Http2SecureServer
  readonly #opts: PeerServerOptions
  readonly #state = new WeakMap<Http2Session, SessionState>()
  readonly #sessions = new Set<ServerHttp2Session>()
  #closing = false
  readonly #byMember = new Map<number, ServerHttp2Session[]>()

  private constructor(server: Http2SecureServer, opts: PeerServerOptions, url: string) {
    this.#server = server
    this.#opts = opts
    this.url = url
  }

  static async listen(opts: PeerServerOptions): Promise<PeerServer> {
    const server = createSecureServer({
      cert: opts.certPem,
      key: opts.keyPem,
      requestCert: true,
      rejectUnauthorized: false, // trust comes from the RA-TLS evidence, checked per connection
      minVersion: 'TLSv1.3',
      allowHTTP1: false,
      handshakeTimeout: 10_000,
      maxSessionMemory: 64,
      settings: { maxConcurrentStreams: 1024, initialWindowSize: 1024 * 1024, enablePush: false },
    })
    server.listen(opts.port, opts.host)
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host
    const s = new PeerServer(server, opts, `https://${host}:${port}`)
    server.on('session', (session) => s.#onSession(session))
    server.on('stream', (stream, headers) => void s.#onStream(stream, headers))
    return s
  }

  #onSession(session: ServerHttp2Session): void {
    // a connection whose handshake finished after close() began would keep the server (and close()) open
    if (this.#closing) return void session.destroy()
    this.#sessions.add(session)
    session.on('error', () => {})
    const socket = session.socket as TLSSocket
    const x = socket.getPeerX509Certificate()
    const state: SessionState = {
      settled: false,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      binding: channelBinding(socket),
      certDer: x ? new Uint8Array(x.raw) : undefined,
    }
    this.#state.set(session, state)
    const timer = setTimeout(() => {
      if (!state.settled) session.destroy()
    }, this.#opts.helloTimeoutMs)
    timer.unref()
    session.once('close', () => {
      clearTimeout(timer)
      this.#sessions.delete(session)
      for (const [id, list] of this.#byMember) {
        const i = list.indexOf(session)
        if (i >= 0) list.splice(i, 1)
        if (list.length === 0) this.#byMember.delete(id)
      }
    })
  }

  async #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    stream.on('error', () => {})
    const session = stream.session
    const state = session ? this.#state.get(session) : undefined
    if (!session || !state) return void stream.close(constants.NGHTTP2_REFUSED_STREAM)
    const method = headers[':method']
    const path = headers[':path']
    if (path === HELLO_PATH && method === 'POST') return this.#hello(stream, session as ServerHttp2Session, state)
    const auth = state.auth ? await state.auth : undefined
    if (!auth?.ok || !this.#opts.isCurrent(auth.entry)) return this.#answer(stream, 403, 'not_member')
    if (path !== STREAM_PATH || method !== 'POST') return this.#answer(stream, 404)
    this.#envelopes(stream, auth.entry)
  }

  /** The envelope stream: read frames, check each, answer each with an ack (batched per chunk read). */
  #envelopes(stream: ServerHttp2Stream, entry: MemberEntry): void {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
    let acks: Buffer[] = []
    const reader = new FrameReader(this.#opts.maxEnvelopeBytes, (id, body) => {
      let reason: DropReason | undefined
      if (body === 'oversize') {
        this.#opts.oversize(entry)
        reason = 'oversize'
      } else reason = this.#opts.accept(body, entry)
      acks.push(encodeAck(id, reason ? ACK_CODES[reason] : 0))
    })
    stream.on('data', (chunk: Buffer) => {
      reader.push(chunk)
      if (acks.length === 0 || stream.destroyed) return
      stream.write(acks.length === 1 ? acks[0] : Buffer.concat(acks))
      acks = []
    })
    stream.once('end', () => stream.end())
  }

  async #hello(stream: ServerHttp2Stream, session: ServerHttp2Session, state: SessionState): Promise<void> {
    if (state.auth) {
      session.destroy() // one hello per connection
      return
    }
    const auth = (async (): Promise<PeerAuthentication> => {
      const body = await readBody(stream, HELLO_BYTES)
      if (!body || body === 'oversize') return { ok: false, reason: 'malformed', detail: 'the hello is malformed' }
      const a = await this.#opts.authenticate(body, state.certDer, state.binding)
      if (a.ok && !this.#opts.isCurrent(a.entry))
        return { ok: false, reason: 'not_member', detail: 'membership changed during the check' }
      return a
    })()
    state.auth = auth
    const a = await auth
    state.settled = true
    if (!a.ok) {
      this.#opts.refused(a, state.remote)
      this.#answer(stream, DROP_STATUS[a.reason], a.reason)
      session.close() // after the answer is flushed
      setTimeout(() => session.destroy(), 1000).unref()
      return
    }
    if (session.destroyed || stream.destroyed) return
    session.setLocalWindowSize(this.#opts.windowBytes)
    const list = this.#byMember.get(a.entry.member.id) ?? []
    list.push(session)
    this.#byMember.set(a.entry.member.id, list)
    while (list.length > SESSIONS_PER_MEMBER) list.shift()?.close()
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
    stream.end(this.#opts.hello(state.binding))
  }

  #answer(stream: ServerHttp2Stream, status: number, reason?: DropReason): void {
    if (stream.destroyed || stream.headersSent) return
    stream.respond({ ':status': status, ...(reason ? { [DROP_HEADER]: reason } : {}) }, { endStream: true })
    // stop an upload we will not read: RST_STREAM NO_ERROR once the response is out (RFC 9113 §8.1)
    if (!stream.readableEnded) {
      stream.resume()
      stream.once('finish', () => stream.close(constants.NGHTTP2_NO_ERROR))
    }
  }

  /** Close the connections of members for which `drop` is true (they left, or their identity changed). */
  dropMembers(drop: (id: number) => boolean): void {
    for (const [id, list] of [...this.#byMember]) if (drop(id)) for (const s of [...list]) s.destroy()
  }

  async close(): Promise<void> {
    this.#closing = true
    const closed = once(this.#server, 'close')
    this.#server.close()
    for (const s of this.#sessions) s.destroy()
    await closed
  }
}

/**
 * The request body, at most `max` bytes ('oversize' beyond: the stream stays open so it can still be answered);
 * undefined when the client reset the stream.
 */
function readBody(stream: ServerHttp2Stream, max: number): Promise<Uint8Array | 'oversize' | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let n = 0
    const done = (v: Uint8Array | 'oversize' | undefined) => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('close', onClose)
      resolve(v)
    }
    const onData = (c: Buffer) => {
      n += c.length
      if (n > max) done('oversize')
      else chunks.push(c)
    }
    const onEnd = () => {
      const b = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n)
      done(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
    }
    const onClose = () => done(undefined)
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('close', onClose)
  })
}
