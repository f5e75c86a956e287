/**
 * KMS figures (issue 2): GetAppKey over mutual attested TLS with simulated evidence verification and
 * keep-alive clients, and with a new TLS connection and a new client certificate per request (issue 19: every
 * booting app brings a fresh RA-TLS certificate): requests/s, p50, p99, KMS CPU per request; reading an RA-TLS
 * certificate; bootstrap time; onboard time of a second node.
 *
 * Env: BENCH_CLIENTS (keep-alive clients, 4,8,16), BENCH_NEWCONN_CLIENTS (8,32), BENCH_CERTS (300),
 * BENCH_SECONDS (8), BENCH_KMS=getappkey|certread (only those figures), BENCH_CLIENT_PROF=DIR (--cpu-prof the
 * load generator), BENCH_NOOP_VERIFIER=1|only (also / only the new-connection case with the KMS's evidence verifier stubbed
 * out: what a new connection costs besides verification; a projection, not a setup anyone can run).
 * Profile the KMS with `node --cpu-prof --import tsx bench/index.ts kms`, then
 * `npx tsx bench/profileSummary.ts FILE.cpuprofile`.
 */
import 'reflect-metadata'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Identity } from '../src/attestation/index.js'
import { parseCertificate, pemToDer } from '../src/crypto/index.js'
import { deriveAppKeys } from '../src/kms/crypto/index.js'
import { bootstrapKeys, createAttestedCert, onboardFrom } from '../src/kms/index.js'
import { nullLogger } from '../src/log.js'
import { readRaTlsCertificate } from '../src/net/index.js'
import { loadConfig, startDevnet, startNode } from '../src/node/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../src/tee/index.js'
import { machine, print, summarise, timeLoop, timeSync } from './util.js'

const CLIENTS = (process.env.BENCH_CLIENTS ?? '4,8,16').split(',').filter(Boolean).map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
/** distinct workload certificates cycled through by the new-connection case (more than the KMS verdict cache) */
const CERTS = Number(process.env.BENCH_CERTS ?? 300)
const NEWCONN_CLIENTS = (process.env.BENCH_NEWCONN_CLIENTS ?? '8,32').split(',').filter(Boolean).map(Number)
/** BENCH_NOOP_VERIFIER=1: also run the new-connection case with the KMS's evidence verifier stubbed out */
const NOOP_VERIFIER = process.env.BENCH_NOOP_VERIFIER === '1' || process.env.BENCH_NOOP_VERIFIER === 'only'
const PROFILING = process.execArgv.some((a) => a.startsWith('--cpu-prof'))
/** PeerVerifier's default LRU size on the KMS */
const SERVER_VERDICT_CACHE = 256
/** BENCH_KMS=getappkey runs only the GetAppKey figures, BENCH_KMS=certread only the certificate reads */
const ONLY = process.env.BENCH_KMS ?? ''
const want = (part: 'getappkey' | 'certread' | 'other') => ONLY === '' || ONLY === part

async function benchBootstrapOnboard(home: string): Promise<void> {
  // Lay out a 2-node devnet (configs, vendor, policy), then run both nodes key-less to time the two steps alone.
  await (await startDevnet({ home, nodes: 2, basePort: 0, logger: nullLogger })).close()
  const cfgs = [1, 2].map((i) => {
    const h = resolve(home, `node${i}`)
    rmSync(resolve(h, 'data'), { recursive: true, force: true })
    return loadConfig(h, readFileSync(resolve(h, 'custos.toml'), 'utf8'), { kms: { auto_bootstrap_domain: '' } })
  })
  const [a, b] = await Promise.all(cfgs.map((c) => startNode(c, { dev: true, logger: nullLogger })))
  let t = performance.now()
  await bootstrapKeys(a!.kms, 'localhost')
  console.log(`Bootstrap (root keys + attestation + sealed write): ${(performance.now() - t).toFixed(1)} ms`)
  a!.kms.requestFinish()
  const main = await a!.main
  t = performance.now()
  await onboardFrom(b!.kms, main.url, 'localhost')
  console.log(
    `Onboard of a second node (mutual attested TLS, both policies, sealed write): ${(performance.now() - t).toFixed(1)} ms`,
  )
  await Promise.all([a!.close(), b!.close()])
}

interface LoadResult {
  lat: number[]
  seconds: number
  /** load generator (client process) CPU over the timed window */
  cpuMs: number
  /** this process's (the KMS's) CPU over the timed window */
  kmsCpuMs: number
}

/**
 * Run bench/kmsLoad.ts in a separate process against `url`; this process (the KMS) stays otherwise idle, and its
 * CPU is sampled from the load generator's "start" line to its result line.
 */
function runLoad(args: string[]): Promise<LoadResult> {
  return new Promise<LoadResult>((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_CLIENT_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CLIENT_PROF}`] : []),
        '--import',
        'tsx',
        fileURLToPath(new URL('./kmsLoad.ts', import.meta.url)),
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let text = ''
    let cpu0: NodeJS.CpuUsage | undefined
    let window0 = 0n
    let result: LoadResult | undefined
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString()
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl)
        text = text.slice(nl + 1)
        const msg = JSON.parse(line) as { event?: string } & Omit<LoadResult, 'kmsCpuMs'>
        if (msg.event === 'start') {
          cpu0 = process.cpuUsage()
          window0 = process.hrtime.bigint() / 1000n
        } else {
          const cpu = process.cpuUsage(cpu0)
          // same monotonic clock as V8 profile timestamps: `bench/profileSummary.ts FILE from to` keeps this window
          if (PROFILING) console.error(`  (profile window µs: ${window0} ${process.hrtime.bigint() / 1000n})`)
          result = { ...msg, kmsCpuMs: (cpu.user + cpu.system) / 1000 }
        }
      }
    })
    child.on('exit', (code) =>
      code === 0 && result ? res(result) : rej(new Error(`load generator exited with ${code}`)),
    )
  })
}

function printLoad(name: string, r: LoadResult): void {
  const m = summarise(name, r.lat, r.seconds)
  print(m)
  console.log(
    `  KMS CPU ${(r.kmsCpuMs / m.ops).toFixed(2)} ms/request (${((r.kmsCpuMs / 1000 / r.seconds) * 100).toFixed(0)}% of a core), ` +
      `load generator CPU ${(r.cpuMs / m.ops).toFixed(2)} ms/request`,
  )
}

async function benchGetAppKey(home: string): Promise<void> {
  const net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger, agent: false })
  try {
    const app = net.demoApp.home
    const url = net.urls[0]!
    for (const clients of CLIENTS) {
      const r = await runLoad(['keepalive', app, url, String(clients), String(SECONDS)])
      printLoad(`GetAppKey, mutual attested TLS, keep-alive, ${clients} clients (separate process)`, r)
    }
    if (CERTS <= SERVER_VERDICT_CACHE)
      console.log(
        `  (BENCH_CERTS=${CERTS} fits the KMS's ${SERVER_VERDICT_CACHE}-entry verdict cache: not every request verifies)`,
      )
    for (const clients of process.env.BENCH_NOOP_VERIFIER === 'only' ? [] : NEWCONN_CLIENTS) {
      const r = await runLoad(['newconn', app, url, String(clients), String(SECONDS), String(CERTS)])
      printLoad(
        `GetAppKey, mutual attested TLS, new connection + new client certificate per request (${CERTS} certs), ${clients} concurrent (separate process)`,
        r,
      )
    }
    if (NOOP_VERIFIER) {
      // Projection, not a configuration anyone can run: the KMS's evidence verifier answers the first verified
      // workload identity for every later quote (with the caller's report_data, so the binding checks still
      // pass), i.e. everything of a new connection except evidence verification itself.
      const verifier = net.nodes[0]!.verifier
      const real = verifier.verify.bind(verifier)
      let first: Promise<Identity> | undefined
      verifier.verify = async (att, o) => {
        first ??= real(att, o)
        return { ...(await first), reportData: o.expectedReportData ?? att.reportData }
      }
      try {
        for (const clients of NEWCONN_CLIENTS) {
          const r = await runLoad(['newconn', app, url, String(clients), String(SECONDS), String(CERTS)])
          printLoad(
            `GetAppKey, new connection + new client certificate per request, ${clients} concurrent, evidence verification stubbed out (projection: all but the verifier)`,
            r,
          )
        }
      } finally {
        verifier.verify = real
      }
    }
  } finally {
    await net.close()
  }
}

/** Reading a workload's RA-TLS certificate (what the KMS does once per new connection before verifying). */
async function benchCertRead(): Promise<void> {
  const vendor = await createSimulatedVendorInMemory()
  const tee = new SimulatedTee({
    machine: await provisionSimulatedMachineInMemory({ vendor }),
    workload: { osImageHash: new Uint8Array(32).fill(5), appId: new Uint8Array(20).fill(1) },
  })
  const cert = await createAttestedCert({ tee, subject: 'RA-TLS TEMP Cert', clientAuth: true, now: Date.now() / 1000 })
  const der = pemToDer(cert.certPem, 'CERTIFICATE')
  const us = (t: { p50: number; p99: number }) =>
    `p50 ${(t.p50 * 1000).toFixed(1)} µs  p99 ${(t.p99 * 1000).toFixed(1)} µs`
  console.log(
    `readRaTlsCertificate, workload RA-TLS certificate (${der.length} bytes): ${us(timeSync(() => readRaTlsCertificate(der), 2000, 200))}`,
  )
  console.log(
    `parseCertificate (@peculiar/x509, the full parse), same certificate: ${us(timeSync(() => parseCertificate(der), 300, 30))}`,
  )
}

/** Uncached derivation (first request of an app): what the per-app k256 cache saves on later requests. */
async function benchDerivation(): Promise<void> {
  const rootCa = new Uint8Array(randomBytes(32))
  rootCa[0] = 1
  const rootK256 = new Uint8Array(randomBytes(32))
  const instanceId = new Uint8Array(randomBytes(20))
  const { lat, seconds } = await timeLoop(
    async () => deriveAppKeys({ rootCaScalar: rootCa, rootK256Scalar: rootK256, appId: randomBytes(20), instanceId }),
    2000,
  )
  print(summarise('deriveAppKeys, a new app id each call (no cache)', lat, seconds))
}

export async function benchKms(): Promise<void> {
  console.log(`# KMS (${machine()})`)
  if (want('other')) await benchDerivation()
  if (want('certread')) await benchCertRead()
  if (!want('getappkey') && !want('other')) return
  const homes = [mkdtempSync(join(tmpdir(), 'custos-bench-')), mkdtempSync(join(tmpdir(), 'custos-bench-'))]
  try {
    if (want('other')) await benchBootstrapOnboard(homes[0]!)
    if (want('getappkey')) await benchGetAppKey(homes[1]!)
  } finally {
    for (const h of homes) rmSync(h, { recursive: true, force: true })
  }
}
