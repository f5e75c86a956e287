/**
 * KMS figures (issue 2): GetAppKey over mutual attested TLS with simulated evidence verification and
 * keep-alive clients (requests/s, p50, p99); bootstrap time; onboard time of a second node.
 */
import 'reflect-metadata'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deriveAppKeys } from '../src/kms/crypto/index.js'
import { bootstrapKeys, onboardFrom } from '../src/kms/index.js'
import { nullLogger } from '../src/log.js'
import { loadConfig, startDevnet, startNode } from '../src/node/index.js'
import { machine, print, summarise, timeLoop } from './util.js'

const CLIENTS = (process.env.BENCH_CLIENTS ?? '4,8,16').split(',').map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)

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

async function benchGetAppKey(home: string, clients: number): Promise<void> {
  const net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger })
  try {
    const out = await new Promise<string>((res, rej) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(new URL('./kmsLoad.ts', import.meta.url)),
          net.demoApp.home,
          net.urls[0]!,
          String(clients),
          String(SECONDS),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      let text = ''
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString()
      })
      child.on('exit', (code) => (code === 0 ? res(text) : rej(new Error(`load generator exited with ${code}`))))
    })
    const { lat, seconds } = JSON.parse(out) as { lat: number[]; seconds: number }
    print(summarise(`GetAppKey, mutual attested TLS, keep-alive, ${clients} clients (separate process)`, lat, seconds))
  } finally {
    await net.close()
  }
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
  await benchDerivation()
  const homes = [mkdtempSync(join(tmpdir(), 'custos-bench-')), mkdtempSync(join(tmpdir(), 'custos-bench-'))]
  try {
    await benchBootstrapOnboard(homes[0]!)
    for (const clients of CLIENTS) await benchGetAppKey(homes[1]!, clients)
  } finally {
    for (const h of homes) rmSync(h, { recursive: true, force: true })
  }
}
