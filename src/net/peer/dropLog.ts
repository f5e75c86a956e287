import type { Logger } from '../../log.js'
import type { PeerMetrics } from './peerMetrics.js'
import { DROP_REASONS, type DropReason } from './types.js'

interface Bucket {
  tokens: number
  last: number
  suppressed: number
}

/**
 * Counts every refusal and logs it at warn, rate-limited per reason (token bucket: `burst` logs, then one per
 * `intervalMs`); the next log line of a reason carries how many were suppressed since the previous one.
 */
export class DropLog {
  readonly counts: Record<DropReason, number>
  readonly #log: Logger
  readonly #metrics: PeerMetrics | undefined
  readonly #burst: number
  readonly #intervalMs: number
  readonly #now: () => number
  readonly #buckets = new Map<DropReason, Bucket>()

  constructor(p: { logger: Logger; metrics?: PeerMetrics; burst: number; intervalMs: number; now?: () => number }) {
    this.#log = p.logger
    this.#metrics = p.metrics
    this.#burst = p.burst
    this.#intervalMs = p.intervalMs
    this.#now = p.now ?? Date.now
    this.counts = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>
  }

  /** Record one refusal; `msg` is constant per call site, `ctx` carries ids only (never payload bytes). */
  drop(
    reason: DropReason,
    ctx: Record<string, string | number | boolean>,
    msg: string,
    level: 'warn' | 'debug' = 'warn',
  ): void {
    this.counts[reason]++
    this.#metrics?.dropped(reason)
    if (level === 'debug') {
      this.#log.debug({ reason, ...ctx }, msg)
      return
    }
    const now = this.#now()
    let b = this.#buckets.get(reason)
    if (!b) {
      b = { tokens: this.#burst, last: now, suppressed: 0 }
      this.#buckets.set(reason, b)
    }
    b.tokens = Math.min(this.#burst, b.tokens + (now - b.last) / this.#intervalMs)
    b.last = now
    if (b.tokens < 1) {
      b.suppressed++
      return
    }
    b.tokens -= 1
    const suppressed = b.suppressed
    b.suppressed = 0
    this.#log.warn({ reason, ...ctx, ...(suppressed > 0 ? { suppressed } : {}) }, msg)
  }
}
