/**
 * Load generator for bench/signer.ts, run in its own process so that client-side work does not share the signer's
 * event loop. It shares the machine's two cores with the signer, so it is kept lean, as wrk is: one keep-alive
 * TCP socket per client, requests written as pre-built HTTP/1.1 bytes, answers read by status line and
 * Content-Length (node:http's client costs several times more CPU per request, and on this machine that CPU is
 * taken from the signer being measured).
 * argv: <signer base url> <pubkeys JSON file> <clients> <seconds> <attestation|randao> [rate] [first epoch offset]
 * - rate 0 (default), closed loop: each client sends its next request when the previous one is answered.
 * - rate R > 0, open loop: R requests/s in total, evenly scheduled over the clients; a request's latency counts
 *   from its scheduled time (no coordinated omission), and `seconds` runs until the last answer arrives, so a
 *   signer slower than R shows its real sustained rate. A client whose previous answer is still out pipelines.
 * - attestation: ATTESTATION for key n % K with target epoch E0 + n / K (never slashable: every target is new).
 * - randao: RANDAO_REVEAL (no slashing protection) — the same HTTP + BLS path without the durable DB write.
 * The first three seconds are warm-up and not recorded. Prints one JSON line {lat, late (ms), seconds, trace?}; exits non-zero
 * on any answer other than 200. BENCH_TRACE=1 adds [ms since start, latency] pairs for a time series.
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'

const [url, keysFile, clientsArg, secondsArg, mode, rateArg, offsetArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
]
const target = new URL(url)
const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as string[]
const ELECTRA_EPOCH = 364032 // mainnet (the signer serves mainnet)
const GVR = '0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'
const FORK_INFO = `{"fork":{"previous_version":"0x04000000","current_version":"0x05000000","epoch":"${ELECTRA_EPOCH}"},"genesis_validators_root":"${GVR}"}`
const ROOT = `0x${'ab'.repeat(32)}`
// Each run starts at its own epoch so that it never re-signs (cheaply) what an earlier run recorded.
const E0 = ELECTRA_EPOCH + 1 + Number(offsetArg ?? 0)

let n = 0
function nextRequest(): Buffer {
  const i = n++
  const pk = keys[i % keys.length] as string
  const epoch = E0 + Math.floor(i / keys.length)
  const body =
    mode === 'randao'
      ? `{"type":"RANDAO_REVEAL","fork_info":${FORK_INFO},"randao_reveal":{"epoch":"${epoch}"}}`
      : `{"type":"ATTESTATION","fork_info":${FORK_INFO},"attestation":{"slot":"${epoch * 32 + (i % 32)}","index":"0",` +
        `"beacon_block_root":"${ROOT}","source":{"epoch":"${epoch - 1}","root":"${ROOT}"},` +
        `"target":{"epoch":"${epoch}","root":"${ROOT}"}}}`
  return Buffer.from(
    `POST /api/v1/eth2/sign/${pk} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** One keep-alive connection; answers arrive in request order (HTTP/1.1), each settles the oldest waiter. */
class Client {
  readonly #socket: Socket
  #buf: Buffer = Buffer.alloc(0)
  readonly #waiting: Array<(status: number) => void> = []

  constructor(socket: Socket) {
    this.#socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (e) => fail(`socket: ${e.message}`))
    socket.on('close', () => {
      if (this.#waiting.length > 0) fail('the signer closed a connection with requests outstanding')
    })
  }

  static open(): Promise<Client> {
    return new Promise((res, rej) => {
      const s = connect(Number(target.port), target.hostname, () => res(new Client(s)))
      s.once('error', rej)
    })
  }

  send(req: Buffer): Promise<number> {
    return new Promise((res) => {
      this.#waiting.push(res)
      this.#socket.write(req)
    })
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk])
    for (;;) {
      const head = this.#buf.indexOf('\r\n\r\n')
      if (head < 0) return
      const header = this.#buf.toString('latin1', 0, head)
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(header)
      if (!m) fail('an answer without Content-Length')
      const end = head + 4 + Number(m[1])
      if (this.#buf.length < end) return
      const status = Number(header.slice(9, 12))
      if (status !== 200) fail(`sign answered ${status}: ${this.#buf.toString('utf8', head + 4, end)}`)
      this.#buf = this.#buf.subarray(end)
      this.#waiting.shift()?.(status)
    }
  }

  close(): void {
    this.#socket.destroy()
  }
}

function fail(why: string): never {
  process.stderr.write(`load generator: ${why}\n`)
  process.exit(1)
}

const clients = Number(clientsArg)
const seconds = Number(secondsArg)
const rate = Number(rateArg ?? 0)
const WARM_MS = 3000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const conns = await Promise.all(Array.from({ length: clients }, () => Client.open()))
const lat: number[] = []
/** how late the generator itself sent each open-loop request (ms): part of every latency it reports */
const late: number[] = []
const trace: number[][] = []
const perClient = rate > 0 ? Math.ceil((WARM_MS + seconds * 1000) / ((clients / rate) * 1000)) + 1 : 0
// in send order (slot j of every client, then slot j + 1), so epochs advance with time as in the closed loop
const prebuilt = conns.map((): Buffer[] => [])
for (let j = 0; j < perClient; j++) for (const list of prebuilt) list.push(nextRequest())
const start = performance.now()
const t0 = start + WARM_MS
const end = t0 + seconds * 1000
let last = t0

if (rate > 0) {
  // Open loop: per client one request every clients/rate seconds, phases spread evenly. Every request is built
  // before the clock starts, so the generator's own allocations (and GC pauses) stay out of the measurement.
  const interval = (clients / rate) * 1000
  await Promise.all(
    conns.map(async (c, k) => {
      const inflight: Promise<void>[] = []
      for (let j = 0; ; j++) {
        const at = start + (k * interval) / clients + j * interval
        if (at >= end) break
        const wait = at - performance.now()
        if (wait > 1) await sleep(wait)
        if (at >= t0) late.push(performance.now() - at)
        inflight.push(
          c.send(prebuilt[k]![j]!).then(() => {
            const done = performance.now()
            if (at < t0) return
            lat.push(done - at)
            if (process.env.BENCH_TRACE) trace.push([performance.timeOrigin + at, done - at])
            if (done > last) last = done
          }),
        )
      }
      await Promise.all(inflight)
    }),
  )
} else {
  await Promise.all(
    conns.map(async (c) => {
      for (;;) {
        const t = performance.now()
        if (t >= end) break
        await c.send(nextRequest())
        const done = performance.now()
        if (t >= t0) lat.push(done - t)
        if (done > last) last = done
      }
    }),
  )
}
for (const c of conns) c.close()
const result = { lat, late, seconds: (last - t0) / 1000, ...(process.env.BENCH_TRACE ? { trace } : {}) }
process.stdout.write(`${JSON.stringify(result)}\n`)
