import { toHex } from '../../crypto/index.js'
import type { PeerEnvelope } from './types.js'

type ReplayKey = Pick<PeerEnvelope, 'sender' | 'epoch' | 'sessionId' | 'round' | 'seq'>
const keyOf = (e: ReplayKey) => `${e.epoch}/${toHex(e.sessionId)}/${e.round}/${e.seq}`

interface SenderWindow {
  /** key → seq, in arrival order */
  seen: Map<string, bigint>
  /** highest seq evicted from `seen`: anything at or below it is refused as too old */
  floor: bigint
}

/**
 * Duplicate suppression per sender: the last `maxPerSender` (epoch, session, round, seq) keys are remembered;
 * when one is evicted its seq becomes the sender's floor, and nothing at or below the floor is accepted again.
 * Senders number their envelopes increasingly (also across restarts, see PeerNetwork), so the floor only ever
 * refuses genuine replays or messages that arrive more than `maxPerSender` messages late.
 */
export class ReplayWindow {
  readonly #max: number
  readonly #senders = new Map<number, SenderWindow>()

  constructor(maxPerSender: number) {
    if (!Number.isInteger(maxPerSender) || maxPerSender < 1) throw new RangeError('maxPerSender must be ≥ 1')
    this.#max = maxPerSender
  }

  /** True when this envelope was seen before (or is at or below its sender's floor). Records nothing. */
  seen(e: ReplayKey): boolean {
    const w = this.#senders.get(e.sender)
    return w !== undefined && (e.seq <= w.floor || w.seen.has(keyOf(e)))
  }

  /** Remember this envelope (call once it was accepted). */
  record(e: ReplayKey): void {
    let w = this.#senders.get(e.sender)
    if (!w) {
      w = { seen: new Map(), floor: -1n }
      this.#senders.set(e.sender, w)
    }
    w.seen.set(keyOf(e), e.seq)
    if (w.seen.size > this.#max) {
      const [oldest, seq] = w.seen.entries().next().value as [string, bigint]
      w.seen.delete(oldest)
      if (seq > w.floor) w.floor = seq
    }
  }

  /** `seen`, then `record`: true when the envelope is new. */
  accept(e: ReplayKey): boolean {
    if (this.seen(e)) return false
    this.record(e)
    return true
  }

  /** Forget one sender (it left the committee). */
  forget(sender: number): void {
    this.#senders.delete(sender)
  }

  /** Remembered keys (all senders). */
  get size(): number {
    let n = 0
    for (const w of this.#senders.values()) n += w.seen.size
    return n
  }
}
