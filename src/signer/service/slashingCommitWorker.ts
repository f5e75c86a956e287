/**
 * Entry of the slashing-commit worker thread (started by `WorkerSlashingCommitter`). It owns its own connection
 * to the node's database (WAL, synchronous=FULL, busy timeout) and runs the group commits there, so the fsync of
 * every commit — and the WAL checkpoints that follow some of them — never block the event loop that serves HTTP.
 *
 * Batching comes for free: while one commit is running, further requests wait in the port; the next round takes
 * all of them (`receiveMessageOnPort`) into ONE transaction, in the order they were sent.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../../store/index.js'
import { SlashingProtection, type SlashingStrategy } from '../slashing/index.js'
import type { CommitReply, CommitRequest, WorkerEvent } from './slashingWire.js'
import { toWire } from './slashingWire.js'

interface CommitWorkerData {
  port: MessagePort
  dbPath: string
  strategy: SlashingStrategy
  genesisValidatorsRoot: Uint8Array
  busyTimeoutMs: number
}

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
    const replies: CommitReply[] = []
    const started = performance.now()
    try {
      const results = protection.checkAndRecordBatch(
        requests.flatMap((r) => r.checks),
        genesisValidatorsRoot,
      )
      let at = 0
      for (const r of requests) {
        replies.push({ seq: r.seq, results: results.slice(at, at + r.checks.length).map(toWire) })
        at += r.checks.length
      }
    } catch (e) {
      // The transaction did not commit: nothing of this round is recorded.
      const failed = e instanceof Error ? `${e.name}: ${(e as { code?: string }).code ?? 'commit failed'}` : 'failed'
      for (const r of requests) replies.push({ seq: r.seq, failed })
    }
    const size = requests.reduce((n, r) => n + r.checks.length, 0)
    replies[0]!.round = { ms: performance.now() - started, size }
    for (const reply of replies) port.postMessage(reply)
  }
  if (closing) {
    db.close()
    port.close()
  }
}

port.on('message', round)
port.postMessage({ ready: true } satisfies WorkerEvent)
