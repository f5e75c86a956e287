/**
 * Load generator for bench/kms.ts, run in its own process so that client-side TLS and JSON work does not
 * share the server's event loop (as a separate wrk-style client would not).
 * argv: <demo-app home> <KMS base url> <clients> <seconds>; prints one JSON line of latencies (ms).
 */
import 'reflect-metadata'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createVerifier } from '../src/attestation/index.js'
import { createAttestedCert } from '../src/kms/index.js'
import { createAttestedClient } from '../src/net/index.js'
import { loadConfig } from '../src/node/index.js'
import { createPlatform, simulatedRootsFor } from '../src/node/platform.js'
import { timeLoop } from './util.js'

const [appHome, kmsUrl, clientsArg, secondsArg] = process.argv.slice(2) as [string, string, string, string]
const now = () => Math.floor(Date.now() / 1000)
const appCfg = loadConfig(appHome, readFileSync(resolve(appHome, 'custos.toml'), 'utf8'))
const tee = await createPlatform(appCfg)
const verifier = createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(appCfg) })
const clients = await Promise.all(
  Array.from({ length: Number(clientsArg) }, async () => {
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
const url = `${kmsUrl}/prpc/GetAppKey?json`
const body = JSON.stringify({ api_version: 1 })
const headers = { 'content-type': 'application/json' }
const runs = await Promise.all(
  clients.map((c) =>
    timeLoop(
      async () => {
        const r = await c.request(url, { method: 'POST', headers, body })
        if (r.status !== 200) throw new Error(`GetAppKey ${r.status}: ${new TextDecoder().decode(r.body)}`)
      },
      Number(secondsArg) * 1000,
      1000,
    ),
  ),
)
for (const c of clients) c.close()
process.stdout.write(
  `${JSON.stringify({ lat: runs.flatMap((r) => r.lat), seconds: Math.max(...runs.map((r) => r.seconds)) })}\n`,
)
