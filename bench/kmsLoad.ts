/**
 * Load generator for bench/kms.ts, run in its own process so that client-side TLS and JSON work does not
 * share the server's event loop (as a separate wrk-style client would not).
 *
 * argv: <mode> <demo-app home> <KMS base url> <concurrency> <seconds> [certs] [dcap-signer.json]
 *   keepalive  `concurrency` clients, each with its own RA-TLS client certificate and one keep-alive connection
 *   newconn    `certs` distinct RA-TLS client certificates prepared before the clock starts; `concurrency`
 *              workers; every request on a fresh TLS connection presenting the next certificate (round robin)
 *   bare       like newconn, against a bare node:https server with mutual TLS and no evidence (the floor of a new
 *              connection: TLS handshake + minimal HTTP), plain https requests that do not check the server
 *   dcap-signer.json  the client certificates carry real DCAP-shaped evidence instead of simulated: the shared
 *              tdx_quote re-signed under a test PCK chain (test/support/dcapWorld.ts, `quoteSignerJson`) with the
 *              demo app's report_data and RTMR3; the KMS verifies it with the DCAP verifier trusting that test root
 *
 * The KMS is trusted as the demo app trusts it (`[agent]` pins written by the devnet, authorizeKmsServer); its
 * evidence verdict (one PeerVerifier) and its authorisation are decided once per server certificate and shared
 * by all clients, as one booting app verifies its KMS once, so the load generator does not eat the 2 cores.
 *
 * stdout: `{"event":"start"}` when the timed window opens (after preparation and warm-up), then one JSON line
 * `{"lat":[ms…],"seconds":s,"cpuMs":client CPU over the window}`.
 */
import 'reflect-metadata'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request as httpsRequest, type RequestOptions } from 'node:https'
import { resolve } from 'node:path'
import { createSecureContext, type SecureContext } from 'node:tls'
import { assertKmsTrust, authorizeKmsServer } from '../src/agent/index.js'
import { replayRuntimeEvents } from '../src/attestation/index.js'
import {
  type AttestedClient,
  type AttestedServer,
  createAttestedCert,
  createAttestedClient,
  PeerVerifier,
} from '../src/net/index.js'
import { kmsTrustFor, loadConfig } from '../src/node/index.js'
import { createPlatform, verifierFor } from '../src/node/platform.js'
import type { TeePlatform } from '../src/tee/index.js'
import { quoteSignerFromJson, resignTdxQuote } from '../test/support/dcapWorld.js'

function dcapShaped(inner: TeePlatform, signerFile: string): TeePlatform {
  const signer = quoteSignerFromJson(readFileSync(signerFile, 'utf8'))
  return {
    driver: 'dcap-shaped (bench)',
    platform: 'tdx',
    simulated: false,
    async attest(reportData) {
      const att = await inner.attest(reportData)
      const quote = resignTdxQuote(signer, { reportData, rtmr3: replayRuntimeEvents(att.runtimeEvents) })
      return { ...att, quote: { type: 'tdx', quote, eventLog: att.quote.type === 'tdx' ? att.quote.eventLog : [] } }
    },
    sealingKey: () => inner.sealingKey(),
  }
}

const [mode, appHome, kmsUrl, concurrencyArg, secondsArg, certsArg, dcapSignerFile] = process.argv.slice(2) as [
  'keepalive' | 'newconn' | 'bare',
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
]
if (mode !== 'keepalive' && mode !== 'newconn' && mode !== 'bare') throw new Error(`unknown mode ${mode}`)
const concurrency = Number(concurrencyArg)
const certCount = mode === 'keepalive' ? concurrency : Number(certsArg ?? 300)
const now = () => Math.floor(Date.now() / 1000)
const appCfg = loadConfig(appHome, readFileSync(resolve(appHome, 'custos.toml'), 'utf8'))
const simulatedTee = await createPlatform(appCfg)
/** the demo app's workload; with a signer file its quotes are DCAP-shaped (Intel QE vendor id, test PCK chain) */
const tee: TeePlatform = dcapSignerFile ? dcapShaped(simulatedTee, dcapSignerFile) : simulatedTee
const verifier = await verifierFor(appCfg)
const trust = kmsTrustFor(appCfg)
assertKmsTrust(trust)
const peerVerifier = new PeerVerifier({ verifier, now, expectedUsage: 'kms:rpc', ttlSeconds: 3600 })

// authorizeKmsServer (root CA signature, policy) costs ~2 ms of client CPU per connection; like the evidence verdict
// it is decided once per server certificate here, as one booting app decides it once for its KMS
const authorized = new Map<string, Promise<void>>()
const authorizeServer = (server: AttestedServer): Promise<void> => {
  const key = createHash('sha256').update(server.certDer).digest('hex')
  let p = authorized.get(key)
  if (!p) {
    p = authorizeKmsServer(trust, server)
    authorized.set(key, p)
  }
  return p
}

const certs: Array<{ certPem: string; keyPem: string }> = []
for (let i = 0; i < certCount; i++)
  certs.push(await createAttestedCert({ tee, subject: 'RA-TLS TEMP Cert', clientAuth: true, now: now() }))
const clients: AttestedClient[] = certs.map((cert) =>
  createAttestedClient({
    peerVerifier,
    now,
    expectedUsage: 'kms:rpc',
    clientCertPem: cert.certPem,
    clientKeyPem: cert.keyPem,
    keepAlive: mode === 'keepalive',
    authorizeServer,
  }),
)

const url = `${kmsUrl}/prpc/GetAppKey?json`
const body = JSON.stringify({ api_version: 1 })
const headers = { 'content-type': 'application/json' }
let next = 0
/** keep-alive: worker w always uses its own client; new connection: the next certificate, round robin */
const clientFor = (worker: number): AttestedClient =>
  mode === 'keepalive' ? (clients[worker] as AttestedClient) : (clients[next++ % clients.length] as AttestedClient)
/** bare: TLS contexts made before the clock starts, as the attested clients hold theirs */
const bareContexts = mode === 'bare' ? certs.map((c) => createSecureContext({ cert: c.certPem, key: c.keyPem })) : []
/** bare: a plain node:https request on a fresh connection presenting the next client certificate */
function bareOnce(): Promise<void> {
  const options: RequestOptions & { secureContext?: SecureContext } = {
    method: 'POST',
    headers,
    secureContext: bareContexts[next++ % bareContexts.length],
    rejectUnauthorized: false,
    agent: false,
  }
  return new Promise((res, rej) => {
    const r = httpsRequest(kmsUrl, options, (resp) => {
      resp.resume()
      resp.on('end', () => (resp.statusCode === 200 ? res() : rej(new Error(`bare server ${resp.statusCode}`))))
    })
    r.on('error', rej)
    r.end(body)
  })
}
async function once(worker: number): Promise<void> {
  if (mode === 'bare') return bareOnce()
  const r = await clientFor(worker).request(url, { method: 'POST', headers, body })
  if (r.status !== 200) throw new Error(`GetAppKey ${r.status}: ${new TextDecoder().decode(r.body)}`)
}

/** Every worker loops until `until`; returns latencies (ms) of the calls made. */
async function phase(until: number): Promise<number[]> {
  const lat: number[] = []
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < until) {
        const t = performance.now()
        await once(w)
        lat.push(performance.now() - t)
      }
    }),
  )
  return lat
}

await phase(performance.now() + 1000) // warm-up: connections, JIT, the server verdict cache
process.stdout.write('{"event":"start"}\n')
const cpu0 = process.cpuUsage()
const start = performance.now()
const lat = await phase(start + Number(secondsArg) * 1000)
const seconds = (performance.now() - start) / 1000
const cpu = process.cpuUsage(cpu0)
for (const c of clients) c.close()
await trust.policy?.close()
process.stdout.write(`${JSON.stringify({ lat, seconds, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`)
