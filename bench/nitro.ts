/**
 * Nitro figure (issue "Real TEEs"): `verifyNitroDocument` of the shared dstack Nitro document (envelope, indefinite
 * map) at its own timestamp, with a warm certificate cache (the steady state: repeat clients reuse the AWS chain, so
 * each verify is CBOR + one ES384 COSE verify), and the cold path (no cache: 4 chain verifies + COSE).
 * Prints median / p99, one line per figure. Run: `npx tsx bench/nitro.ts` (or export `benchNitro`).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createNitroCertCache, verifyNitroDocument } from '../src/attestation/nitro/index.js'
import { machine, timeSync as time } from './util.js'

const ITER = Number(process.env.BENCH_NITRO_ITER ?? 300)
const WARMUP = Number(process.env.BENCH_NITRO_WARMUP ?? 30)

export async function benchNitro(): Promise<void> {
  const doc = new Uint8Array(
    readFileSync(resolve(process.cwd(), '../shared/vectors/nitro/dstack_nitro_attestation.bin')),
  )
  const cache = createNitroCertCache()
  if (verifyNitroDocument(doc, { cache }).document.moduleId.length === 0) throw new Error('unexpected verdict')
  const warm = time(() => verifyNitroDocument(doc, { cache }), ITER, WARMUP)
  const cold = time(() => verifyNitroDocument(doc), Math.max(20, Math.floor(ITER / 10)), 5)
  console.log(`Nitro verify dstack_nitro_attestation.bin (${machine()}, n=${ITER} after ${WARMUP} warm-up)`)
  console.log(`  verifyNitroDocument, cached chain: p50 ${warm.p50.toFixed(3)} ms  p99 ${warm.p99.toFixed(3)} ms`)
  console.log(`  verifyNitroDocument, cold chain:   p50 ${cold.p50.toFixed(3)} ms  p99 ${cold.p99.toFixed(3)} ms`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await benchNitro()
