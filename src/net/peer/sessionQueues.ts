import { toHex } from '../../crypto/index.js'
import { PeerError } from './errors.js'
import type { ReceivedEnvelope } from './types.js'

export interface RecvFilter {
  epoch: bigint
  sessionId: Uint8Array
  round: string
  /** only from this sender */
  from?: number
}

interface Waiter {
  round: string
  from?: number
  resolve: (e: ReceivedEnvelope) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

interface Session {
  epoch: bigint
  messages: ReceivedEnvelope[]
  bytes: number
  waiters: Set<Waiter>
  lastActive: number
}

export interface SessionQueueLimits {
  maxQueuedPerSession: number
  maxQueuedBytes: number
  maxSessions: number
  sessionIdleMs: number
}

/** closed session keys remembered so late messages are refused instead of opening a fresh queue */
const MAX_CLOSED = 16_384

const keyOf = (epoch: bigint, sessionId: Uint8Array) => `${epoch}/${toHex(sessionId)}`
const matches = (w: { round: string; from?: number }, e: ReceivedEnvelope) =>
  w.round === e.round && (w.from === undefined || w.from === e.sender)

/**
 * Inbound messages per (epoch, session): a message goes straight to a waiting `recv`, else into its session's
 * bounded queue. Bounds: messages per session, payload bytes overall, number of sessions (idle ones are swept).
 */
export class SessionQueues {
  readonly #limits: SessionQueueLimits
  readonly #now: () => number
  readonly #sessions = new Map<string, Session>()
  readonly #closed = new Set<string>()
  #bytes = 0

  constructor(limits: SessionQueueLimits, now: () => number = Date.now) {
    this.#limits = limits
    this.#now = now
  }

  /** Deliver one message: 'ok', or why it was refused. */
  push(e: ReceivedEnvelope): 'ok' | 'backpressure' | 'session_closed' {
    const key = keyOf(e.epoch, e.sessionId)
    if (this.#closed.has(key)) return 'session_closed'
    let s = this.#sessions.get(key)
    if (s) {
      for (const w of s.waiters) {
        if (matches(w, e)) {
          this.#settle(s, w)
          s.lastActive = this.#now()
          w.resolve(e)
          return 'ok'
        }
      }
    }
    const size = e.payload.length
    if (s && s.messages.length >= this.#limits.maxQueuedPerSession) return 'backpressure'
    if (this.#bytes + size > this.#limits.maxQueuedBytes) return 'backpressure'
    if (!s) {
      if (this.#sessions.size >= this.#limits.maxSessions) this.sweep()
      if (this.#sessions.size >= this.#limits.maxSessions) return 'backpressure'
      s = this.#open(key, e.epoch)
    }
    s.messages.push(e)
    s.bytes += size
    this.#bytes += size
    s.lastActive = this.#now()
    return 'ok'
  }

  /** The first queued message matching `f`, or the next to arrive within `timeoutMs`. */
  recv(f: RecvFilter, timeoutMs: number): Promise<ReceivedEnvelope> {
    const key = keyOf(f.epoch, f.sessionId)
    if (this.#closed.has(key))
      return Promise.reject(new PeerError('PEER_SESSION_CLOSED', 'the session was closed on this node'))
    let s = this.#sessions.get(key)
    if (s) {
      const i = s.messages.findIndex((m) => matches(f, m))
      if (i >= 0) {
        const [m] = s.messages.splice(i, 1) as [ReceivedEnvelope]
        s.bytes -= m.payload.length
        this.#bytes -= m.payload.length
        s.lastActive = this.#now()
        return Promise.resolve(m)
      }
    } else {
      if (this.#sessions.size >= this.#limits.maxSessions) this.sweep()
      s = this.#open(key, f.epoch)
    }
    const session = s
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        round: f.round,
        ...(f.from !== undefined ? { from: f.from } : {}),
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#settle(session, w)
          reject(
            new PeerError('PEER_TIMEOUT', `no "${f.round}" message arrived within ${timeoutMs} ms`, {
              round: f.round,
              ...(f.from !== undefined ? { from: f.from } : {}),
            }),
          )
        }, timeoutMs),
      }
      session.waiters.add(w)
    })
  }

  /** Drop a session's queue, fail its waiters, and refuse its later messages. */
  close(epoch: bigint, sessionId: Uint8Array): void {
    const key = keyOf(epoch, sessionId)
    this.#drop(key, new PeerError('PEER_SESSION_CLOSED', 'the session was closed on this node'))
    this.#closed.add(key)
    if (this.#closed.size > MAX_CLOSED) this.#closed.delete(this.#closed.values().next().value as string)
  }

  /** Drop every session of another epoch (its waiters fail with PEER_EPOCH_CHANGED). */
  keepEpoch(epoch: bigint): void {
    for (const [key, s] of this.#sessions)
      if (s.epoch !== epoch)
        this.#drop(key, new PeerError('PEER_EPOCH_CHANGED', 'the committee moved to another epoch'))
  }

  /** Drop sessions idle for `sessionIdleMs` that nobody waits on. */
  sweep(): void {
    const cutoff = this.#now() - this.#limits.sessionIdleMs
    for (const [key, s] of this.#sessions) if (s.waiters.size === 0 && s.lastActive <= cutoff) this.#drop(key)
  }

  /** Fail every waiter and drop everything. */
  closeAll(err: Error): void {
    for (const key of [...this.#sessions.keys()]) this.#drop(key, err)
  }

  get stats(): { sessions: number; messages: number; bytes: number } {
    let messages = 0
    for (const s of this.#sessions.values()) messages += s.messages.length
    return { sessions: this.#sessions.size, messages, bytes: this.#bytes }
  }

  #open(key: string, epoch: bigint): Session {
    const s: Session = { epoch, messages: [], bytes: 0, waiters: new Set(), lastActive: this.#now() }
    this.#sessions.set(key, s)
    return s
  }

  #settle(s: Session, w: Waiter): void {
    clearTimeout(w.timer)
    s.waiters.delete(w)
  }

  #drop(key: string, err?: Error): void {
    const s = this.#sessions.get(key)
    if (!s) return
    this.#sessions.delete(key)
    this.#bytes -= s.bytes
    for (const w of [...s.waiters]) {
      this.#settle(s, w)
      w.reject(err ?? new PeerError('PEER_SESSION_CLOSED', 'the session was dropped'))
    }
  }
}
