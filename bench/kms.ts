/**
 * KMS figures (issue 2): GetAppKey over mutual attested TLS with simulated evidence verification and
 * keep-alive clients (requests/s, p50, p99); bootstrap time; onboard time of a second node.
 */
import 'reflect-metadata'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createVerifier } from '../src/attestation/index.js'
import { bootstrapKeys, createAttestedCert, onboardFrom } from '../src/kms/index.js'
import { nullLogger } from '../src/log.js'
import { createAttestedClient } from '../src/net/index.js'
import { loadConfig, startDevnet, startNode } from '../src/node/index.js'
import { createPlatform, simulatedRootsFor } from '../src/node/platform.js'
import { machine, print, summarise, timeLoop } from './util.js'

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const now = () => Math.floor(Date.now() / 1000)

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

async function benchGetAppKey(home: string): Promise<void> {
  const net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger })
  try {
    const appCfg = loadConfig(net.demoApp.home, readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8'))
    const tee = await createPlatform(appCfg)
    const verifier = createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(appCfg) })
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const cert = await createAttestedCert({ tee, subject: 'RA-TLS TEMP Cert', clientAuth: true, now: now() })
        return createAttestedClient({
          verifier,
          now,
          expectedUsage: 'kms:rpc',
          clientCertPem: cert.certPem,
          clientKeyPem: cert.keyPem,
        })
      }),
    )
    const url = `${net.urls[0]}/prpc/GetAppKey?json`
    const body = JSON.stringify({ api_version: 1 })
    const headers = { 'content-type': 'application/json' }
    const runs = await Promise.all(
      clients.map((c) =>
        timeLoop(
          async () => {
            const r = await c.request(url, { method: 'POST', headers, body })
            if (r.status !== 200) throw new Error(`GetAppKey ${r.status}: ${new TextDecoder().decode(r.body)}`)
          },
          SECONDS * 1000,
          1000,
        ),
      ),
    )
    const lat = runs.flatMap((r) => r.lat)
    const seconds = Math.max(...runs.map((r) => r.seconds))
    print(summarise(`GetAppKey, mutual attested TLS, keep-alive, ${CLIENTS} clients`, lat, seconds))
    for (const c of clients) c.close()
  } finally {
    await net.close()
  }
}

export async function benchKms(): Promise<void> {
  console.log(`# KMS (${machine()})`)
  const homes = [mkdtempSync(join(tmpdir(), 'custos-bench-')), mkdtempSync(join(tmpdir(), 'custos-bench-'))]
  try {
    await benchBootstrapOnboard(homes[0]!)
    await benchGetAppKey(homes[1]!)
  } finally {
    for (const h of homes) rmSync(h, { recursive: true, force: true })
  }
}
