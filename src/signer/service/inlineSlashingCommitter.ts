import type { Logger } from '../../log.js'
import { type SlashingCheck, SlashingError, type SlashingProtection } from '../slashing/index.js'
import type { CommitOutcome, CommitRoundObserver, SlashingCommitter, Waiter } from './slashingCommitter.js'
import { unavailable } from './slashingWire.js'

/** Commits on the calling thread's connection (fsync on the event loop). Fallback and reference. */
export class InlineSlashingCommitter implements SlashingCommitter {
  #queue: Array<{ check: SlashingCheck; waiter: Waiter }> = []
  #scheduled = false
  #closed = false
  // Never signs: the caller does (on the BLS signing thread).

  constructor(
    private readonly protection: SlashingProtection,
    private readonly gvr: Uint8Array,
    private readonly log: Logger,
    private readonly onRound?: CommitRoundObserver,
  ) {}

  submit(check: SlashingCheck): Promise<CommitOutcome> {
    if (this.#closed) return Promise.reject(unavailable('closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ check, waiter: { resolve, reject } })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#scheduled = false
    const batch = this.#queue.splice(0)
    if (batch.length === 0) return
    let results: ReturnType<SlashingProtection['checkAndRecordBatch']>
    const started = performance.now()
    try {
      results = this.protection.checkAndRecordBatch(
        batch.map((b) => b.check),
        this.gvr,
      )
      this.onRound?.((performance.now() - started) / 1000, batch.length, 'inline')
    } catch (err) {
      this.log.error({ batch: batch.length, reason: (err as Error)?.name }, 'slashing-protection commit failed')
      for (const b of batch) b.waiter.reject(unavailable('commit failed', err))
      return
    }
    batch.forEach((b, i) => {
      const r = results[i]!
      if (r.ok) b.waiter.resolve({ outcome: r.outcome })
      else b.waiter.reject(r.error instanceof SlashingError ? r.error : unavailable('check failed', r.error))
    })
  }

  async ready(): Promise<'inline'> {
    return 'inline'
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const b of this.#queue.splice(0)) b.waiter.reject(unavailable('closed'))
  }
}
