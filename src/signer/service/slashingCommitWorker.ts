/**
 * Entry of the slashing-commit worker thread (started by `WorkerSlashingCommitter`). It owns its own connection
 * to the node's database (WAL, synchronous=FULL, busy timeout) and runs the group commits there, so the fsync of
 * every commit — and the WAL checkpoints that follow some of them — never block the event loop that serves HTTP.
 *
 * Batching comes for free: while one commit is running, further requests wait in the port; the next round takes
 * all of them (`receiveMessageOnPort`) into ONE transaction, in the order they were sent.
 *
 * Once a round has committed, the allowed requests that came with a key are BLS-signed here, right away: no
 * signature exists before its record is durable, and the request needs no further trip through the event loop
 * and the signing thread (on two cores, one runnable thread fewer is what keeps the latency tail short).
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../../store/index.js'
import { type SlashingCheck, SlashingProtection, type SlashingStrategy } from '../slashing/index.js'
import type { CommitReply, CommitRequest, WireResult, WorkerEvent } from './slashingWire.js'
import { toWire } from './slashingWire.js'

interface CommitWorkerData {
  port: MessagePort
  dbPath: string
  strategy: SlashingStrategy
  genesisValidatorsRoot: Uint8Array
  busyTimeoutMs: number
}

type Blst = typeof import('@chainsafe/blst')
// Without the native binding, no signature is made here and the service signs as it otherwise would.
const blst: Blst | undefined = await import('@chainsafe/blst').catch(() => undefined)
const { port, dbPath, strategy, genesisValidatorsRoot, busyTimeoutMs } = workerData as CommitWorkerData
const db = openDatabase(dbPath, { busyTimeoutMs })
const protection = new SlashingProtection(db, { strategy })
let closing = false

function round(first: CommitRequest | { close: true }): void {
  const requests: CommitRequest[] = []
  for (let m: unknown = first; m !== undefined; m = receiveMessageOnPort(port)?.message) {
    if ('close' in (m as object)) closing = true
    else requests.push(m as CommitRequest)
  }
  if (requests.length > 0) {
    const started = performance.now()
    let results: ReturnType<SlashingProtection['checkAndRecordBatch']> | undefined
    let failed = ''
    try {
      results = protection.checkAndRecordBatch(
        requests.flatMap((r) => r.checks),
        genesisValidatorsRoot,
      )
    } catch (e) {
      // The transaction did not commit: nothing of this round is recorded, nothing is signed.
      failed = e instanceof Error ? `${e.name}: ${(e as { code?: string }).code ?? 'commit failed'}` : 'failed'
    }
    const round = { ms: performance.now() - started, size: requests.reduce((n, r) => n + r.checks.length, 0) }
    let at = 0
    for (const [j, r] of requests.entries()) {
      const reply: CommitReply = results
        ? { seq: r.seq, results: r.checks.map((c, i) => sign(toWire(results[at + i]!), c, r.keys, i)) }
        : { seq: r.seq, failed }
      if (j === 0) reply.round = round
      at += r.checks.length
      r.keys?.fill(0)
      port.postMessage(reply)
    }
  }
  if (closing) {
    db.close()
    port.close()
  }
}

/** Sign an allowed, committed request whose key came with it. */
function sign(result: WireResult, check: SlashingCheck, keys: Uint8Array | undefined, i: number): WireResult {
  if (!result.ok || !keys || !blst) return result
  const sk = keys.subarray(i * 32, i * 32 + 32)
  if (sk.every((b) => b === 0)) return result
  try {
    return { ...result, signature: blst.SecretKey.fromBytes(sk).sign(check.signingRoot).toBytes(true) }
  } catch {
    return result // the service signs it the usual way (and reports that key's error)
  }
}

port.on('message', round)
port.postMessage({ ready: true } satisfies WorkerEvent)
