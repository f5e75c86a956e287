import type { MessagePort } from 'node:worker_threads'
import { Worker } from 'node:worker_threads'

/**
 * Start a worker thread running an ES module of this package. The sources are TypeScript run through tsx (no
 * build step), and a worker does not inherit the parent's loader hooks, so the worker first registers tsx and
 * then imports the entry; compiled `.js` entries are imported directly.
 */
export function startModuleWorker(entry: URL, workerData: Record<string, unknown>, transfer: MessagePort[]): Worker {
  // The ESM build of tsx's API (its CJS build cannot be loaded through import()).
  const tsx = entry.pathname.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null
  const source = `
const { workerData } = require('node:worker_threads')
;(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register()
  await import(workerData.entry)
})()
`
  return new Worker(source, {
    eval: true,
    workerData: { ...workerData, tsx, entry: entry.href },
    transferList: transfer,
  })
}
