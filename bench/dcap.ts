/**
 * DCAP figure (issue "Real TEEs"): verify of the shared `tdx_quote` with parsed, cached collateral
 * (`prepareCollateral` once, then `verifyQuote` per quote) vs `@phala/dcap-qvl` `verify()` on the same inputs.
 * Prints median / p99 of each and the ratio theirs/ours. Run: `npx tsx bench/dcap.ts` (or export `benchDcap`).
 */
import 'reflect-metadata'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { prepareCollateral, verifyQuote } from '../src/attestation/dcap/index.js'
import { machine, timeSync as time } from './util.js'

const ITER = Number(process.env.BENCH_DCAP_ITER ?? 200)
const WARMUP = Number(process.env.BENCH_DCAP_WARMUP ?? 30)
const NOW = 1751624655

export async function benchDcap(): Promise<void> {
  const dir = resolve(process.cwd(), '../shared/vectors/dcap')
  const quote = new Uint8Array(readFileSync(resolve(dir, 'tdx_quote')))
  const collateral = JSON.parse(readFileSync(resolve(dir, 'tdx_quote_collateral.json'), 'utf8'))
  const qvl = createRequire(import.meta.url)('@phala/dcap-qvl') as {
    verify(q: Buffer, c: unknown, now: number): { status: string }
  }

  const prep = time(() => prepareCollateral(collateral, undefined, NOW), 20, 3)
  const prepared = prepareCollateral(collateral, undefined, NOW)
  if (verifyQuote(quote, prepared, { now: NOW }).tcbStatus !== 'UpToDate') throw new Error('ours: unexpected verdict')
  if (qvl.verify(Buffer.from(quote), collateral, NOW).status !== 'UpToDate')
    throw new Error('dcap-qvl: unexpected verdict')

  const ours = time(() => verifyQuote(quote, prepared, { now: NOW }), ITER, WARMUP)
  const buf = Buffer.from(quote)
  const theirs = time(() => qvl.verify(buf, collateral, NOW), ITER, WARMUP)
  console.log(`DCAP verify tdx_quote (${machine()}, n=${ITER} after ${WARMUP} warm-up)`)
  console.log(`  prepareCollateral (once per collateral): p50 ${prep.p50.toFixed(2)} ms  p99 ${prep.p99.toFixed(2)} ms`)
  console.log(`  ours verifyQuote (cached collateral):    p50 ${ours.p50.toFixed(3)} ms  p99 ${ours.p99.toFixed(3)} ms`)
  console.log(
    `  @phala/dcap-qvl verify:                  p50 ${theirs.p50.toFixed(3)} ms  p99 ${theirs.p99.toFixed(3)} ms`,
  )
  console.log(`  ratio theirs/ours (median): ${(theirs.p50 / ours.p50).toFixed(1)}×`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await benchDcap()
