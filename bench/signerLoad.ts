/**
 * Load generator for bench/signer.ts, run in its own process so that client-side HTTP and JSON work does not
 * share the signer's event loop. Keep-alive HTTP/1.1 clients, one socket each, one request in flight each.
 * argv: <signer base url> <pubkeys JSON file> <clients> <seconds> <attestation|randao> [rate] [first epoch offset]
 * - rate 0 (default), closed loop: each client sends its next request when the previous one is answered.
 * - rate R > 0, open loop: R requests/s in total, evenly scheduled over the clients; a request's latency counts
 *   from its scheduled time (no coordinated omission), and `seconds` runs until the last answer arrives, so a
 *   signer slower than R shows its real sustained rate.
 * - attestation: ATTESTATION for key n % K with target epoch E0 + n / K (never slashable: every target is new).
 * - randao: RANDAO_REVEAL (no slashing protection) — the same HTTP + BLS path without the durable DB write.
 * Prints one JSON line {lat (ms), seconds}; exits non-zero on any non-200 answer.
 */
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { timeLoop } from './util.js'

const [url, keysFile, clientsArg, secondsArg, mode, rateArg, offsetArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
]
const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as string[]
const ELECTRA_EPOCH = 364032 // mainnet (the signer serves mainnet)
const GVR = '0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'
const FORK_INFO = `{"fork":{"previous_version":"0x04000000","current_version":"0x05000000","epoch":"${ELECTRA_EPOCH}"},"genesis_validators_root":"${GVR}"}`
const ROOT = `0x${'ab'.repeat(32)}`
// Each run starts at its own epoch so that it never re-signs (cheaply) what an earlier run recorded.
const E0 = ELECTRA_EPOCH + 1 + Number(offsetArg ?? 0)

let n = 0
function next(): { path: string; body: string } {
  const i = n++
  const pk = keys[i % keys.length] as string
  const epoch = E0 + Math.floor(i / keys.length)
  const body =
    mode === 'randao'
      ? `{"type":"RANDAO_REVEAL","fork_info":${FORK_INFO},"randao_reveal":{"epoch":"${epoch}"}}`
      : `{"type":"ATTESTATION","fork_info":${FORK_INFO},"attestation":{"slot":"${epoch * 32 + (i % 32)}","index":"0",` +
        `"beacon_block_root":"${ROOT}","source":{"epoch":"${epoch - 1}","root":"${ROOT}"},` +
        `"target":{"epoch":"${epoch}","root":"${ROOT}"}}}`
  return { path: `/api/v1/eth2/sign/${pk}`, body }
}

function post(agent: Agent, path: string, body: string): Promise<void> {
  return new Promise((res, rej) => {
    const req = request(`${url}${path}`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        accept: 'application/json',
      },
    })
    req.on('error', rej)
    req.on('response', (r) => {
      let text = ''
      r.on('data', (c: Buffer) => {
        text += c.toString()
      })
      r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(`sign ${r.statusCode}: ${text}`))))
    })
    req.end(body)
  })
}

const clients = Number(clientsArg)
const seconds = Number(secondsArg)
const rate = Number(rateArg ?? 0)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Open loop: per client one request every clients/rate seconds from `t0`; warm-up second not recorded. */
async function openLoop(): Promise<{ lat: number[]; seconds: number }> {
  const interval = (clients / rate) * 1000
  const warm = performance.now() + 50
  const t0 = warm + 1000
  const end = t0 + seconds * 1000
  const lat: number[] = []
  let last = t0
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      const inflight: Promise<void>[] = []
      for (let k = 0; ; k++) {
        const at = warm + (c * interval) / clients + k * interval
        if (at >= end) break
        const wait = at - performance.now()
        if (wait > 1) await sleep(wait)
        const { path, body } = next()
        inflight.push(
          post(agent, path, body).then(() => {
            const done = performance.now()
            if (at >= t0) lat.push(done - at)
            if (done > last) last = done
          }),
        )
      }
      await Promise.all(inflight)
      agent.destroy()
    }),
  )
  return { lat, seconds: (last - t0) / 1000 }
}

const runs = await Promise.all(
  Array.from({ length: rate > 0 ? 0 : clients }, () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    return timeLoop(
      () => {
        const { path, body } = next()
        return post(agent, path, body)
      },
      seconds * 1000,
      1000,
    ).finally(() => agent.destroy())
  }),
)
const result =
  rate > 0 ? await openLoop() : { lat: runs.flatMap((r) => r.lat), seconds: Math.max(...runs.map((r) => r.seconds)) }
process.stdout.write(`${JSON.stringify(result)}\n`)
