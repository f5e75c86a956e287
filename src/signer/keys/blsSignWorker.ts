import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { SecretBytes } from '../../crypto/index.js'
import type { Logger } from '../../log.js'
import { blsBackendStatus } from './blsBackend.js'
import { signRoot } from './signRoot.js'

/**
 * BLS signing on a second thread, so the event loop that parses requests is not also doing ~0.5 ms of
 * pairing-curve arithmetic per signature (blocks and attestations are signed on the slashing-commit thread; this
 * one signs the other types, and those whenever the commit thread did not).
 * The worker is plain JavaScript evaluated from this string (no TypeScript loader needed) and uses the same
 * @chainsafe/blst binding. Jobs queued in one task travel as ONE message: a buffer of (32-byte key ‖ 32-byte
 * root) pairs, transferred (not copied) and overwritten by the worker after use; each signature comes back on its
 * own as soon as it is made.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const blst = require(workerData.blstPath)
parentPort.on('message', ({ first, jobs }) => {
  for (let i = 0; i < jobs.length / 64; i++) {
    try {
      const sk = blst.SecretKey.fromBytes(jobs.subarray(i * 64, i * 64 + 32))
      const sig = sk.sign(jobs.subarray(i * 64 + 32, i * 64 + 64)).toBytes(true)
      parentPort.postMessage({ id: first + i, sig }, [sig.buffer])
    } catch (e) {
      parentPort.postMessage({ id: first + i, error: String((e && e.message) || e) })
    }
    jobs.fill(0, i * 64, i * 64 + 32)
  }
})
`

interface Job {
  sk: SecretBytes
  root: Uint8Array
  resolve: (sig: Uint8Array) => void
  reject: (err: Error) => void
}

export class BlsSignWorker {
  #worker: Worker | undefined
  /** sent, by id; ids are consecutive within a message */
  #jobs = new Map<number, Job>()
  /** queued in this task, posted from a microtask */
  #queue: Job[] = []
  #next = 0

  constructor(logger?: Logger) {
    if (blsBackendStatus().backend !== 'blst') return
    try {
      const blstPath = createRequire(import.meta.url).resolve('@chainsafe/blst')
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { blstPath } })
      worker.unref()
      worker.on('message', (m: { id: number; sig?: Uint8Array; error?: string }) => {
        const job = this.#jobs.get(m.id)
        if (job) {
          this.#jobs.delete(m.id)
          if (m.sig) job.resolve(new Uint8Array(m.sig))
          else job.reject(new Error(`BLS signing failed: ${m.error ?? 'unknown error'}`))
        }
        if (this.#jobs.size === 0 && this.#queue.length === 0) this.#worker?.unref()
      })
      worker.on('error', (err) => {
        logger?.error({ err: err.message }, 'BLS signing worker failed; signing on the main thread')
        this.#fail(err)
      })
      worker.on('exit', () => this.#fail(new Error('BLS signing worker exited')))
      this.#worker = worker
    } catch (err) {
      logger?.warn({ err: (err as Error).message }, 'no BLS signing worker; signing on the main thread')
    }
  }

  #fail(err: Error): void {
    this.#worker = undefined
    for (const job of this.#jobs.values()) job.reject(err)
    this.#jobs.clear()
  }

  /** Sign a 32-byte signing root; the same bytes as `signRoot`, computed off the event loop when possible. */
  sign(secretKey: SecretBytes, signingRoot: Uint8Array): Promise<Uint8Array> {
    if (!this.#worker) return Promise.resolve().then(() => signRoot(secretKey, signingRoot))
    if (signingRoot.length !== 32) return Promise.reject(new RangeError('a signing root is 32 bytes'))
    return new Promise<Uint8Array>((resolve, reject) => {
      if (this.#queue.length === 0) queueMicrotask(() => this.#post())
      this.#queue.push({ sk: secretKey, root: signingRoot, resolve, reject })
    })
  }

  #post(): void {
    const queue = this.#queue
    this.#queue = []
    const worker = this.#worker
    if (!worker) {
      // The worker died after these were queued: sign here.
      for (const j of queue)
        Promise.resolve()
          .then(() => signRoot(j.sk, j.root))
          .then(j.resolve, j.reject)
      return
    }
    const first = this.#next
    this.#next += queue.length
    const jobs = new Uint8Array(queue.length * 64)
    queue.forEach((j, i) => {
      jobs.set(j.sk.expose(), i * 64)
      jobs.set(j.root, i * 64 + 32)
      this.#jobs.set(first + i, j)
    })
    worker.ref()
    worker.postMessage({ first, jobs }, [jobs.buffer])
  }

  async close(): Promise<void> {
    const w = this.#worker
    this.#worker = undefined
    if (w) await w.terminate()
  }
}
