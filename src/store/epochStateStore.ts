import { z } from 'zod'
import { SecretBytes, utf8ToBytes } from '../crypto/index.js'
import { type Logger, nullLogger } from '../log.js'
import { CommitteeStoreError } from './committeeErrors.js'
import { storedU63 } from './committeeIds.js'
import { checkpoint } from './nonceStore.js'
import type { Store } from './openStore.js'
import type { ShareStore } from './shareStore.js'

/** Sealed record holding the epoch state (sealed: the host can neither read nor change it, only roll it back). */
const NAME = 'committee/epoch-state'

export type EpochStatus = 'running' | 'dkg' | 'resharing'

export interface EpochState {
  /** the epoch running, or the one a DKG / resharing is creating */
  epoch: bigint
  status: EpochStatus
  /** the key-event attempt in progress; null when running, or when the last attempt was abandoned */
  attemptId: bigint | null
  /** highest attempt id begun for `epoch`: a new attempt must be higher (null: none yet) */
  lastAttemptId: bigint | null
  /** while resharing or adding a domain: the epoch whose shares keep signing meanwhile (null: none) */
  runningEpoch: bigint | null
}

/** A key-event attempt that was in progress when the previous process stopped. */
export interface AbandonedAttempt {
  epoch: bigint
  status: Exclude<EpochStatus, 'running'>
  attemptId: bigint
  /** pending shares of that attempt that were discarded */
  discardedShares: number
}

const Dec = z.string().regex(/^(0|[1-9][0-9]{0,18})$/)
const StateJson = z
  .object({
    v: z.literal(1),
    epoch: Dec,
    status: z.enum(['running', 'dkg', 'resharing']),
    attemptId: Dec.nullable(),
    lastAttemptId: Dec.nullable(),
    runningEpoch: Dec.nullable(),
  })
  .strict()

const big = (s: string | null) => (s === null ? null : BigInt(s))
const dec = (b: bigint | null) => (b === null ? null : b.toString())

/**
 * The committee's epoch state, sealed, one transaction per step:
 * `beginAttempt` (a DKG or resharing attempt starts) → shares written pending → `completeAttempt` (activate the
 * attempt's shares, status running at the new epoch, erase older epochs' shares) or `abandonAttempt`.
 * Opening the store after a restart abandons an attempt that was in progress (its pending shares are discarded,
 * `abandonedAtOpen` reports it); the committee retries with a higher attempt id.
 */
export class EpochStateStore {
  /** the attempt the previous process left in progress, now abandoned */
  readonly abandonedAtOpen: AbandonedAttempt | undefined
  readonly #store: Store
  readonly #shares: ShareStore
  readonly #log: Logger

  private constructor(store: Store, shares: ShareStore, opts: { logger?: Logger }) {
    this.#store = store
    this.#shares = shares
    this.#log = opts.logger ?? nullLogger
    this.abandonedAtOpen = this.#abandon('restart')
  }

  static open(store: Store, shares: ShareStore, opts: { logger?: Logger } = {}): EpochStateStore {
    return new EpochStateStore(store, shares, opts)
  }

  /** The current state, or undefined before the first key event. */
  get(): EpochState | undefined {
    const blob = this.#store.secrets.get(NAME)
    if (!blob) return undefined
    try {
      const r = StateJson.safeParse(JSON.parse(new TextDecoder().decode(blob.expose())))
      if (!r.success) throw new Error('schema')
      return {
        epoch: BigInt(r.data.epoch),
        status: r.data.status,
        attemptId: big(r.data.attemptId),
        lastAttemptId: big(r.data.lastAttemptId),
        runningEpoch: big(r.data.runningEpoch),
      }
    } catch {
      throw new CommitteeStoreError('STORE_COMMITTEE_CORRUPT', 'the sealed epoch state does not decode')
    } finally {
      blob.wipe()
    }
  }

  /**
   * Start attempt `attemptId` of a DKG (a new key, at the running epoch or a new one) or a resharing (to a
   * later epoch). An attempt still in progress for the same epoch is superseded (its pending shares discarded).
   */
  beginAttempt(p: { epoch: bigint | number; kind: 'dkg' | 'resharing'; attemptId: bigint | number }): EpochState {
    const epoch = storedU63(p.epoch, 'epoch')
    const attemptId = storedU63(p.attemptId, 'attempt id')
    const state = this.#store.transaction(() => {
      const cur = this.get()
      if (cur && epoch < cur.epoch)
        throw new CommitteeStoreError('STORE_EPOCH_STATE_CONFLICT', `epoch ${epoch} is before epoch ${cur.epoch}`)
      const sameEvent = cur !== undefined && cur.epoch === epoch && cur.status !== 'running'
      if (sameEvent && cur.lastAttemptId !== null && attemptId <= cur.lastAttemptId)
        throw new CommitteeStoreError(
          'STORE_ATTEMPT_STALE',
          `attempt ${attemptId} is not after attempt ${cur.lastAttemptId} of epoch ${epoch}`,
          { epoch: String(epoch), attemptId: String(attemptId), last: String(cur.lastAttemptId) },
        )
      const running = cur === undefined ? null : cur.status === 'running' ? cur.epoch : cur.runningEpoch
      if (p.kind === 'resharing' && (running === null || epoch <= running))
        throw new CommitteeStoreError(
          'STORE_EPOCH_STATE_CONFLICT',
          'a resharing needs a running epoch to reshare from, and goes to a later epoch',
          { epoch: String(epoch) },
        )
      if (sameEvent && cur.attemptId !== null) this.#shares.discardPending(epoch, cur.attemptId)
      const next: EpochState = { epoch, status: p.kind, attemptId, lastAttemptId: attemptId, runningEpoch: running }
      this.#write(next)
      return next
    })
    checkpoint(this.#store)
    return state
  }

  /**
   * Complete the attempt in progress: activate its shares, run at `epoch`; unless `keepOlder`, erase the shares of
   * every earlier epoch (after a resharing the old shares must never be used again). Returns the activated domains.
   */
  completeAttempt(p: { epoch: bigint | number; attemptId: bigint | number; keepOlder?: boolean }): number[] {
    const epoch = storedU63(p.epoch, 'epoch')
    const attemptId = storedU63(p.attemptId, 'attempt id')
    const domains = this.#store.transaction(() => {
      const cur = this.get()
      if (!cur || cur.status === 'running' || cur.epoch !== epoch || cur.attemptId !== attemptId)
        throw new CommitteeStoreError(
          'STORE_EPOCH_STATE_CONFLICT',
          `attempt ${attemptId} of epoch ${epoch} is not the key event in progress`,
          { epoch: String(epoch), attemptId: String(attemptId) },
        )
      const activated = this.#shares.activate(epoch, attemptId)
      this.#write({ epoch, status: 'running', attemptId: null, lastAttemptId: cur.lastAttemptId, runningEpoch: null })
      if (!p.keepOlder) for (const e of this.#shares.epochs()) if (e < epoch) this.#shares.eraseEpoch(e)
      return activated
    })
    checkpoint(this.#store)
    this.#log.info({ epoch: String(epoch), attemptId: String(attemptId), domains }, 'key event completed')
    return domains
  }

  /** Give up the attempt in progress (timeout, abort vote): its pending shares are discarded. */
  abandonAttempt(): AbandonedAttempt | undefined {
    return this.#abandon('abort')
  }

  /** Set the state directly (a node joining at the current epoch, tests). Attempt ids start over. */
  setRunning(epoch: bigint | number): void {
    const e = storedU63(epoch, 'epoch')
    this.#write({ epoch: e, status: 'running', attemptId: null, lastAttemptId: null, runningEpoch: null })
  }

  #abandon(why: 'restart' | 'abort'): AbandonedAttempt | undefined {
    const out = this.#store.transaction(() => {
      const cur = this.get()
      if (!cur || cur.status === 'running' || cur.attemptId === null) return undefined
      const discardedShares = this.#shares.discardPending(cur.epoch, cur.attemptId)
      this.#write({ ...cur, attemptId: null })
      return { epoch: cur.epoch, status: cur.status, attemptId: cur.attemptId, discardedShares }
    })
    checkpoint(this.#store)
    if (out)
      this.#log.warn(
        { why, epoch: String(out.epoch), status: out.status, attemptId: String(out.attemptId) },
        'key-event attempt abandoned',
      )
    return out
  }

  #write(s: EpochState): void {
    const json = JSON.stringify({
      v: 1,
      epoch: s.epoch.toString(),
      status: s.status,
      attemptId: dec(s.attemptId),
      lastAttemptId: dec(s.lastAttemptId),
      runningEpoch: dec(s.runningEpoch),
    })
    const blob = new SecretBytes(utf8ToBytes(json))
    try {
      this.#store.secrets.put(NAME, blob)
    } finally {
      blob.wipe()
    }
  }
}
