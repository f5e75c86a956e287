import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads'
import type { SecretBytes } from '../../crypto/index.js'
import type { Logger } from '../../log.js'
import type { SlashingCheck, SlashingStrategy } from '../slashing/index.js'
import { startModuleWorker } from './moduleWorker.js'
import type { CommitOutcome, CommitRoundObserver, SlashingCommitter, Waiter } from './slashingCommitter.js'
import { type CommitReply, type CommitRequest, fromWire, unavailable, type WorkerEvent } from './slashingWire.js'

/**
 * Commits on a worker thread with its own connection to the same database file, so that neither the fsync of a
 * commit nor a WAL checkpoint stalls HTTP serving. Requests are posted at once (those of one task as one
 * message) and the worker merges whatever is waiting into its next transaction. Until the worker says it is ready,
 * requests are held here; if it cannot start, they go to `fallback` instead. If it dies later, requests it was
 * given are refused (whether their round committed is unknown, so they must not be signed) and new ones go to
 * `fallback`.
 */
export class WorkerSlashingCommitter implements SlashingCommitter {
  #worker: Worker | undefined
  #port: MessagePort | undefined
  #ready = false
  #failed = false
  #seq = 0
  #held: Array<{ check: SlashingCheck; key: SecretBytes | undefined; waiter: Waiter }> = []
  #scheduled = false
  #inFlight = new Map<number, Waiter[]>()
  #settled!: (mode: 'worker' | 'inline') => void
  readonly #readyPromise = new Promise<'worker' | 'inline'>((r) => {
    this.#settled = r
  })

  constructor(
    opts: {
      dbPath: string
      strategy: SlashingStrategy
      genesisValidatorsRoot: Uint8Array
      /** how long a commit waits for another connection's write lock (default 5000 ms, as the store) */
      busyTimeoutMs?: number
    },
    private readonly fallback: SlashingCommitter,
    private readonly log: Logger,
    private readonly onRound?: CommitRoundObserver,
  ) {
    const { port1, port2 } = new MessageChannel()
    try {
      this.#worker = startModuleWorker(
        // the compiled build (dist/) runs .js next to this file; the sources run .ts through tsx
        new URL(`./slashingCommitWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
        {
          port: port2,
          dbPath: opts.dbPath,
          strategy: opts.strategy,
          genesisValidatorsRoot: opts.genesisValidatorsRoot,
          busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
        },
        [port2],
      )
    } catch (err) {
      this.#fail(err)
      return
    }
    this.#port = port1
    port1.on('message', (m: WorkerEvent) => this.#onMessage(m))
    port1.unref()
    this.#worker.unref()
    this.#worker.on('error', (err) => this.#fail(err))
    this.#worker.on('exit', () => this.#fail(new Error('slashing-commit worker exited')))
  }

  submit(check: SlashingCheck, secretKey?: SecretBytes): Promise<CommitOutcome> {
    if (this.#failed) return this.fallback.submit(check)
    return new Promise((resolve, reject) => {
      this.#held.push({ check, key: secretKey, waiter: { resolve, reject } })
      this.#refresh()
      if (this.#ready && !this.#scheduled) {
        this.#scheduled = true
        queueMicrotask(() => this.#post())
      }
    })
  }

  #post(): void {
    this.#scheduled = false
    if (!this.#ready || this.#failed || this.#held.length === 0) return
    const batch = this.#held.splice(0)
    const seq = this.#seq++
    this.#inFlight.set(
      seq,
      batch.map((b) => b.waiter),
    )
    const request: CommitRequest = { seq, checks: batch.map((b) => b.check) }
    if (batch.some((b) => b.key)) {
      // One buffer of keys for the batch, moved to the worker (not copied), which overwrites it after the round.
      const keys = new Uint8Array(32 * batch.length)
      batch.forEach((b, i) => {
        if (b.key) keys.set(b.key.expose(), 32 * i)
      })
      request.keys = keys
      this.#port!.postMessage(request, [keys.buffer])
    } else this.#port!.postMessage(request)
  }

  #onMessage(m: WorkerEvent): void {
    if ('ready' in m) {
      this.#ready = true
      this.#settled('worker')
      this.log.info({ thread: 'worker' }, 'slashing protection commits on a worker thread')
      this.#post()
      return
    }
    this.#settle(m)
    this.#refresh()
  }

  #settle(reply: CommitReply): void {
    if (reply.round) this.onRound?.(reply.round.ms / 1000, reply.round.size, 'worker')
    const waiters = this.#inFlight.get(reply.seq)
    if (!waiters) return
    this.#inFlight.delete(reply.seq)
    if ('failed' in reply) {
      this.log.error({ batch: waiters.length, reason: reply.failed }, 'slashing-protection commit failed')
      for (const w of waiters) w.reject(unavailable(reply.failed))
      return
    }
    waiters.forEach((w, i) => {
      const r = fromWire(reply.results[i]!)
      if (r instanceof Error) w.reject(r)
      else w.resolve(r)
    })
  }

  /** Keep the process alive only while requests are outstanding (an idle signer must not hold the node open). */
  #refresh(): void {
    const busy = this.#held.length > 0 || this.#inFlight.size > 0
    if (busy) {
      this.#worker?.ref()
      this.#port?.ref()
    } else {
      this.#worker?.unref()
      this.#port?.unref()
    }
  }

  #fail(err: unknown): void {
    if (this.#failed) return
    this.#failed = true
    this.#settled('inline')
    this.#worker = undefined
    this.#port?.close()
    const reason = err instanceof Error ? err.message : String(err)
    this.log.error({ reason }, 'slashing-commit worker unavailable; committing on the main thread')
    for (const waiters of this.#inFlight.values()) for (const w of waiters) w.reject(unavailable(reason))
    this.#inFlight.clear()
    // Never handed to the worker: safe to decide on the main thread, in the same order.
    for (const h of this.#held.splice(0)) this.fallback.submit(h.check).then(h.waiter.resolve, h.waiter.reject)
  }

  ready(): Promise<'worker' | 'inline'> {
    return this.#readyPromise
  }

  async close(): Promise<void> {
    const worker = this.#worker
    this.#settled('inline')
    const port = this.#port
    this.#failed = true // from now on nothing is accepted here
    this.#worker = undefined
    for (const h of this.#held.splice(0)) h.waiter.reject(unavailable('closed'))
    if (worker && port) {
      // Let the worker finish the round it is in and close its connection cleanly.
      const exited = new Promise<void>((r) => worker.once('exit', () => r()))
      port.postMessage({ close: true })
      const timer = setTimeout(() => void worker.terminate(), 5000)
      await exited
      clearTimeout(timer)
      for (const waiters of this.#inFlight.values()) for (const w of waiters) w.reject(unavailable('closed'))
      this.#inFlight.clear()
      port.close()
    }
    await this.fallback.close()
  }
}
