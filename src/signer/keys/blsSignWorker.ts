import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { SecretBytes } from '../../crypto/index.js'
import type { Logger } from '../../log.js'
import { blsBackendStatus } from './blsBackend.js'
import { signRoot } from './signRoot.js'

/**
 * BLS signing on a second thread, so the event loop that parses requests and commits slashing records is not
 * also doing ~0.5 ms of pairing-curve arithmetic per signature (the machine has two cores; one signs, one serves).
 * The worker is plain JavaScript evaluated from this string (no TypeScript loader in worker threads) and uses the
 * same @chainsafe/blst binding. The 32-byte key is copied to the worker per job and overwritten after use.
 * Without blst (noble fallback) or if the worker dies, signing stays on the calling thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const blst = require(workerData.blstPath)
parentPort.on('message', (job) => {
  try {
    const sig = blst.SecretKey.fromBytes(job.sk).sign(job.msg).toBytes(true)
    job.sk.fill(0)
    parentPort.postMessage({ id: job.id, sig })
  } catch (e) {
    job.sk.fill(0)
    parentPort.postMessage({ id: job.id, error: String((e && e.message) || e) })
  }
})
`

interface Job {
  resolve: (sig: Uint8Array) => void
  reject: (err: Error) => void
}

export class BlsSignWorker {
  #worker: Worker | undefined
  #jobs = new Map<number, Job>()
  #next = 0

  constructor(logger?: Logger) {
    if (blsBackendStatus().backend !== 'blst') return
    try {
      const blstPath = createRequire(import.meta.url).resolve('@chainsafe/blst')
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { blstPath } })
      worker.unref()
      worker.on('message', (m: { id: number; sig?: Uint8Array; error?: string }) => {
        const job = this.#jobs.get(m.id)
        if (!job) return
        this.#jobs.delete(m.id)
        if (m.sig) job.resolve(new Uint8Array(m.sig))
        else job.reject(new Error(`BLS signing failed: ${m.error ?? 'unknown error'}`))
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
    const worker = this.#worker
    if (!worker) return Promise.resolve().then(() => signRoot(secretKey, signingRoot))
    if (signingRoot.length !== 32) return Promise.reject(new RangeError('a signing root is 32 bytes'))
    const id = this.#next++
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject })
      worker.ref()
      worker.postMessage({ id, sk: secretKey.expose().slice(), msg: signingRoot })
    }).finally(() => {
      if (this.#jobs.size === 0) this.#worker?.unref()
    })
  }

  async close(): Promise<void> {
    const w = this.#worker
    this.#worker = undefined
    if (w) await w.terminate()
  }
}
