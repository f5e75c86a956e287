import { cpus } from 'node:os'

export interface Mark {
  name: string
  ops: number
  seconds: number
  opsPerSec: number
  p50: number
  p99: number
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

/** Summarise per-op latencies (ms) measured over `seconds` of wall time. */
export function summarise(name: string, latenciesMs: number[], seconds: number): Mark {
  const s = [...latenciesMs].sort((a, b) => a - b)
  return { name, ops: s.length, seconds, opsPerSec: s.length / seconds, p50: percentile(s, 50), p99: percentile(s, 99) }
}

export function print(m: Mark): void {
  console.log(
    `${m.name}: ${m.opsPerSec.toFixed(0)} ops/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  (n=${m.ops}, ${m.seconds.toFixed(1)} s)`,
  )
}

export const machine = (): string => `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`

/** Run `fn` sequentially for `ms` (after `warmupMs`), returning per-call latencies. */
export async function timeLoop(
  fn: () => Promise<unknown>,
  ms: number,
  warmupMs = 200,
): Promise<{ lat: number[]; seconds: number }> {
  const warmEnd = performance.now() + warmupMs
  while (performance.now() < warmEnd) await fn()
  const lat: number[] = []
  const start = performance.now()
  const end = start + ms
  while (performance.now() < end) {
    const t = performance.now()
    await fn()
    lat.push(performance.now() - t)
  }
  return { lat, seconds: (performance.now() - start) / 1000 }
}

/** Time a synchronous `fn` `n` times after `warm` warm-up calls; p50/p99 in ms. */
export function timeSync(fn: () => unknown, n: number, warm: number): { p50: number; p99: number } {
  for (let i = 0; i < warm; i++) fn()
  const lat: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    fn()
    lat.push(performance.now() - t)
  }
  lat.sort((a, b) => a - b)
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) }
}
