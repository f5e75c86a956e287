/**
 * KMS figures (issue 2): GetAppKey over mutual attested TLS with keep-alive clients (reference), and with a new
 * TLS connection and a new client certificate per request (issue 19: every booting app brings a fresh RA-TLS
 * certificate), once with simulated evidence and once with real DCAP-shaped evidence, both verified by the DCAP
 * verifier (simulated root / test root, cached collateral): requests/s, p50, p99, KMS CPU per request; the floor
 * of a new connection on this machine (bare node:https mutual TLS, no evidence); reading an RA-TLS certificate;
 * bootstrap time; onboard time of a second node.
 *
 * Env: BENCH_CLIENTS (keep-alive clients, 4,8,16), BENCH_NEWCONN_CLIENTS (8,32), BENCH_CERTS (300),
 * BENCH_SECONDS (8), BENCH_EVIDENCE=simulated,dcap (new-connection evidence kinds), BENCH_TLS_FLOOR=0 (skip the
 * floors: default TLS settings, and the KMS listener's without session tickets), BENCH_KMS=getappkey|certread
 * (only those figures), BENCH_CLIENT_PROF=DIR (--cpu-prof the load generator), BENCH_NOOP_VERIFIER=1|only
 * (also / only the new-connection case with the KMS's evidence verifier stubbed out: what a new connection costs
 * besides verification; a projection, not a setup anyone can run).
 * Profile the KMS with `node --cpu-prof --import tsx bench/index.ts kms`, then
 * `npx tsx bench/profileSummary.ts FILE.cpuprofile`.
 */
import 'reflect-metadata'
import { spawn } from 'node:child_process'
import { constants, generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { fileURLToPath } from 'node:url'
import {
  createDcapVerifier,
  createVerifier,
  dcapKey,
  type EvidenceVerifier,
  type Identity,
  isSimulatedQuote,
  issueDcapCertificate,
} from '../src/attestation/index.js'
import { deriveAppKeys, parseCertificate, pemToDer } from '../src/crypto/index.js'
import { bootstrapKeys, onboardFrom } from '../src/kms/index.js'
import { nullLogger } from '../src/log.js'
import { createAttestedCert, readRaTlsCertificate } from '../src/net/index.js'
import { loadConfig, startDevnet, startNode } from '../src/node/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../src/tee/index.js'
import { buildTestWorld, quoteSignerJson } from '../test/support/dcapWorld.js'
import { machine, print, summarise, timeLoop, timeSync } from './util.js'

const CLIENTS = (process.env.BENCH_CLIENTS ?? '4,8,16').split(',').filter(Boolean).map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
/** distinct workload certificates cycled through by the new-connection case (more than the KMS verdict cache) */
const CERTS = Number(process.env.BENCH_CERTS ?? 300)
const NEWCONN_CLIENTS = (process.env.BENCH_NEWCONN_CLIENTS ?? '8,32').split(',').filter(Boolean).map(Number)
/** BENCH_EVIDENCE=simulated,dcap: which evidence the new-connection case runs with (default both) */
const EVIDENCE = (process.env.BENCH_EVIDENCE ?? 'simulated,dcap').split(',')
/** BENCH_TLS_FLOOR=0 skips the bare-TLS floor figure */
const TLS_FLOOR = process.env.BENCH_TLS_FLOOR !== '0'
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

/**
 * The floor of a new connection on this machine: a bare node:https server (mutual TLS, P-256, no evidence, a
 * 16-byte JSON answer) in this process, loaded with the same client certificates on fresh connections. With
 * `tickets: false` it has the KMS listener's TLS settings (no stateless session tickets, src/node/server.ts).
 */
async function startBareTlsServer(tickets: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const key = dcapKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
  const now = Date.now()
  const cert = await issueDcapCertificate({
    subject: 'CN=localhost',
    key,
    serialNumber: '01',
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    ca: false,
  })
  const server = createHttpsServer(
    {
      key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      cert: `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert).toString('base64')}\n-----END CERTIFICATE-----\n`,
      requestCert: true,
      rejectUnauthorized: false,
      ...(tickets ? {} : { secureOptions: constants.SSL_OP_NO_TICKET }),
    },
    (req, res) => {
      ;(req.socket as TLSSocket).getPeerX509Certificate()
      req.resume()
      req.on('end', () => {
        res.setHeader('content-type', 'application/json')
        res.end('{"bare":true}')
      })
    },
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return { url: `https://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) }
}

/**
 * A synthetic DCAP world valid now (test/support/dcapWorld.ts: the shared tdx_quote re-signed under a test PCK
 * chain, TCB Info / QE Identity re-dated and re-signed), its quote signer written for the load generator, and a
 * DCAP verifier trusting its root with the collateral fetched once (cached, prepared once).
 */
async function dcapShapedEvidence(dir: string): Promise<{ signerFile: string; dcap: EvidenceVerifier }> {
  const now = Date.now()
  const window = { from: new Date(now - 86_400_000), to: new Date(now + 365 * 86_400_000) }
  const world = await buildTestWorld({
    certificates: { notBefore: window.from, notAfter: window.to },
    crls: { thisUpdate: window.from, nextUpdate: window.to },
    documents: { issueDate: window.from, nextUpdate: window.to },
  })
  const collateral = await world.collateral()
  const signerFile = join(dir, 'dcap-signer.json')
  writeFileSync(signerFile, quoteSignerJson(world.signer), { mode: 0o600 })
  return {
    signerFile,
    dcap: createDcapVerifier({ trustedRootDer: world.rootDer, collateralProvider: async () => collateral }),
  }
}

async function benchGetAppKey(home: string): Promise<void> {
  const net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger, agent: false })
  try {
    const app = net.demoApp.home
    const url = net.urls[0]!
    const newconn = (clients: number, extra: string[] = []) =>
      runLoad(['newconn', app, url, String(clients), String(SECONDS), String(CERTS), ...extra])
    for (const clients of CLIENTS) {
      const r = await runLoad(['keepalive', app, url, String(clients), String(SECONDS)])
      printLoad(`GetAppKey, mutual attested TLS, keep-alive, ${clients} clients (separate process) [reference]`, r)
    }
    if (CERTS <= SERVER_VERDICT_CACHE)
      console.log(
        `  (BENCH_CERTS=${CERTS} fits the KMS's ${SERVER_VERDICT_CACHE}-entry verdict cache: not every request verifies)`,
      )
    const onlyNoop = process.env.BENCH_NOOP_VERIFIER === 'only'
    if (!onlyNoop && EVIDENCE.includes('simulated'))
      for (const clients of NEWCONN_CLIENTS)
        printLoad(
          `GetAppKey, new connection + new client certificate per request (${CERTS} certs), ${clients} concurrent, SIMULATED evidence (DCAP verifier, simulated root)`,
          await newconn(clients),
        )
    if (!onlyNoop && EVIDENCE.includes('dcap')) {
      // The KMS verifies DCAP-shaped quotes with the DCAP verifier trusting the test root (a bench-only trust: the
      // devnet node has no setting for a test root), simulated ones as before.
      const { signerFile, dcap } = await dcapShapedEvidence(home)
      const verifier = net.nodes[0]!.verifier
      const real = verifier.verify.bind(verifier)
      verifier.verify = (att, o) =>
        att.quote.type === 'tdx' && !isSimulatedQuote(att.quote.quote) ? dcap.verify(att, o) : real(att, o)
      try {
        for (const clients of NEWCONN_CLIENTS)
          printLoad(
            `GetAppKey, new connection + new client certificate per request (${CERTS} certs), ${clients} concurrent, DCAP-shaped evidence (tdx_quote re-signed under a test PCK chain, cached collateral)`,
            await newconn(clients, [signerFile]),
          )
      } finally {
        verifier.verify = real
      }
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
        for (const clients of NEWCONN_CLIENTS)
          printLoad(
            `GetAppKey, new connection + new client certificate per request, ${clients} concurrent, evidence verification stubbed out (projection: all but the verifier)`,
            await newconn(clients),
          )
      } finally {
        verifier.verify = real
      }
    }
    if (TLS_FLOOR)
      for (const tickets of [true, false]) {
        const bare = await startBareTlsServer(tickets)
        try {
          for (const clients of NEWCONN_CLIENTS)
            printLoad(
              `Floor: bare node:https server, mutual TLS (P-256), ${tickets ? 'default TLS settings' : 'no session tickets (as the KMS)'}, new connection + client certificate per request, ${clients} concurrent, no evidence, no KMS`,
              await runLoad(['bare', app, bare.url, String(clients), String(SECONDS), String(CERTS)]),
            )
        } finally {
          await bare.close()
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
  // what the KMS then verifies: a distinct quote per certificate, the DCAP verifier trusting the simulated root
  const verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
  const atts = await Promise.all(
    Array.from({ length: 400 }, (_, i) => tee.attest(Uint8Array.from({ length: 64 }, (_, j) => (i + j) & 0xff))),
  )
  const now = Math.floor(Date.now() / 1000)
  const lat: number[] = []
  for (const [i, att] of atts.entries()) {
    const t = performance.now()
    await verifier.verify(att, { now, expectedReportData: att.reportData })
    if (i >= 100) lat.push(performance.now() - t)
  }
  lat.sort((a, b) => a - b)
  const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] as number
  console.log(
    `verify simulated evidence (DCAP verifier, simulated root, prepared collateral), a new quote each call: p50 ${(p(0.5) * 1000).toFixed(0)} µs  p99 ${(p(0.99) * 1000).toFixed(0)} µs`,
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
