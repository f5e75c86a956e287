/**
 * Summarise a V8 .cpuprofile (node --cpu-prof): self time by function and by source area, top entries.
 * argv: <file.cpuprofile> [top=25] [fromUs toUs]: only samples in that window (monotonic µs, as bench/kms.ts prints
 * when profiled), with a CPU total that excludes idle.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const [file, topArg, fromArg, toArg] = process.argv.slice(2) as [string, string?, string?, string?]
const top = Number(topArg ?? 25)
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(prof.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
const from = fromArg ? Number(fromArg) : Number.NEGATIVE_INFINITY
const to = toArg ? Number(toArg) : Number.POSITIVE_INFINITY
let at = prof.startTime
for (const [i, id] of prof.samples.entries()) {
  at += prof.timeDeltas[i] ?? 0
  if (at >= from && at <= to) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0))
}

const area = (url: string): string => {
  if (url === '') return '(native/builtin)'
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (m) return `dep ${m[1]}`
  if (url.startsWith('node:')) return url.split('/')[0] ?? url
  const s = url.match(/\/(src|bench|test)\/(.*)$/)
  if (s) return `${s[1]}/${(s[2] ?? '').split('/').slice(0, -1).join('/') || '.'}`
  return url
}
const fn = new Map<string, number>()
const areas = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)
  if (!n) continue
  const { functionName, url, lineNumber } = n.callFrame
  const short = url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')
  const k = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`
  fn.set(k, (fn.get(k) ?? 0) + us)
  areas.set(area(url), (areas.get(area(url)) ?? 0) + us)
}
// inclusive time of our own functions (each function counted once per sample, however deep the recursion)
const parent = new Map<number, number>()
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const keyOf = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'}  ${n.callFrame.url.replace(/^.*\/(src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`
const incl = new Map<string, number>()
for (const [id, us] of self) {
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)
    if (!n || !/\/(src|bench)\//.test(n.callFrame.url) || n.callFrame.url.includes('node_modules')) continue
    const k = keyOf(n)
    if (seen.has(k)) continue
    seen.add(k)
    incl.set(k, (incl.get(k) ?? 0) + us)
  }
}
const total = [...self.values()].reduce((a, b) => a + b, 0)
const pr = (m: Map<string, number>) => {
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
}
const idle = [...self]
  .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
  .reduce((a, [, us]) => a + us, 0)
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms not idle`)
console.log('-- by area (self time)')
pr(areas)
console.log('-- by function (self time)')
pr(fn)
console.log('-- our functions (inclusive time)')
pr(incl)
