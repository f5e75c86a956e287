/**
 * A threshold committee of `custos start --dev` child processes on loopback (simulated TEE, one shared simulated
 * vendor, dev policy): `custos init --dev` homes, node keys from `custos mpc node-key`, a static committee file,
 * then start / SIGKILL / restart members and talk to their APIs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parse, stringify } from 'smol-toml'
import { toHex } from '../../src/crypto/index.js'
import type { AttestedClient } from '../../src/net/index.js'
import { committeeNodeKeyOf, devConfigToml, emptyPolicyJson, loadConfigFile } from '../../src/node/index.js'

export const ROOT = resolve(import.meta.dirname, '../..')
const CLI = resolve(ROOT, 'bin/custos.js')

export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => s.once('listening', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

export interface CommitteeSpec {
  dir: string
  n: number
  threshold: number
  domains: Array<{ id: number; scheme: string }>
  /** token → predecessor */
  tokens: Record<string, string>
  allow: Array<{ predecessor: string; domains: number[] }>
  roundTimeoutMs?: number
  dkgRoundTimeoutMs?: number
  /** homes that are members of the first epoch (default: all n); the others can join later */
  members?: number[]
  /**
   * `[mpc] api_tls` of every member (default: left as the dev config has it, plain HTTP). With "ratls" the API is
   * HTTPS under the member's RA-TLS certificate and asks for client certificates: talk to it with `api(url,
   * { client })`, an attested client (global fetch would refuse the self-signed certificate).
   */
  apiTls?: 'ratls'
}

export class MemberProcess {
  child: ChildProcess | undefined
  apiUrl: string
  private exited: Promise<void> = Promise.resolve()
  readonly log: string[] = []

  constructor(
    readonly id: number,
    readonly home: string,
    readonly apiPort: number,
    /** the committee file entry of this node (as `custos mpc node-key` and its p2p listener give it) */
    readonly entry: { id: number; node_key: string; url: string },
    apiScheme: 'http' | 'https' = 'http',
  ) {
    this.apiUrl = `${apiScheme}://127.0.0.1:${apiPort}`
  }

  get alive(): boolean {
    const c = this.child
    return c !== undefined && c.exitCode === null && c.signalCode === null
  }

  /** Spawn; resolves when the API listens. */
  start(): Promise<void> {
    // CUSTOS_MEMBER_NODE_ARGS: extra node flags for the members (e.g. --cpu-prof for `npm run bench mpc`)
    const nodeArgs = (process.env.CUSTOS_MEMBER_NODE_ARGS ?? '').split(' ').filter(Boolean)
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'start', '--home', this.home, '--dev'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    this.child = child
    this.exited = new Promise((res) => child.once('exit', () => res()))
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`member ${this.id}: not ready within 60 s:\n${this.log.slice(-8).join('\n')}`)),
        60_000,
      )
      child.once('exit', (code, sig) => {
        clearTimeout(timer)
        rej(new Error(`member ${this.id} exited (code ${code}, signal ${sig}):\n${this.log.slice(-8).join('\n')}`))
      })
      createInterface({ input: child.stderr! }).on('line', (line) => {
        this.log.push(line.slice(0, 400))
        if (this.log.length > 400) this.log.shift()
        if (line.includes('"mpc API listening"')) {
          clearTimeout(timer)
          res()
        }
      })
    })
  }

  async kill(): Promise<void> {
    const c = this.child
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await this.exited
    this.child = undefined
  }

  /** SIGTERM (graceful) and wait. */
  async stop(): Promise<void> {
    const c = this.child
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
    const t = setTimeout(() => c?.kill('SIGKILL'), 5000)
    await this.exited
    clearTimeout(t)
    this.child = undefined
  }
}

/** Write n homes and the committee file; returns the members (not started). */
export async function setupCommittee(spec: CommitteeSpec): Promise<MemberProcess[]> {
  const vendor = resolve(spec.dir, 'vendor')
  mkdirSync(vendor, { recursive: true })
  const homes = Array.from({ length: spec.n }, (_, i) => resolve(spec.dir, `node${i}`))
  const ports = await Promise.all(homes.map(async () => ({ p2p: await freePort(), api: await freePort() })))
  // what `custos init --dev` writes, in-process (10 CLI start-ups cost tens of seconds on a loaded machine)
  for (const home of homes) {
    mkdirSync(home, { recursive: true, mode: 0o700 })
    writeFileSync(resolve(home, 'custos.toml'), devConfigToml(), { mode: 0o600 })
    writeFileSync(resolve(home, 'policy.json'), emptyPolicyJson(), { mode: 0o600 })
  }
  homes.forEach((home, i) => {
    const file = resolve(home, 'custos.toml')
    const c = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>
    ;(c.kms as Record<string, unknown>).enabled = false
    ;((c.tee as Record<string, unknown>).simulated as Record<string, unknown>).vendor_dir = vendor
    ;(c.policy as Record<string, unknown>).backend = 'dev'
    ;(c.node as Record<string, unknown>).log_level = 'info'
    c.mpc = {
      ...c.mpc,
      enabled: true,
      participant_id: i,
      p2p_listen: `127.0.0.1:${ports[i]!.p2p}`,
      listen: `127.0.0.1:${ports[i]!.api}`,
      round_timeout_ms: spec.roundTimeoutMs ?? 2000,
      dkg_round_timeout_ms: spec.dkgRoundTimeoutMs ?? 10_000,
      api_tokens: Object.entries(spec.tokens).map(([t, predecessor]) => ({ sha256: sha256Hex(t), predecessor })),
      allow: spec.allow,
      // only when asked, so that every other committee's config stays exactly what it was
      ...(spec.apiTls ? { api_tls: spec.apiTls } : {}),
    }
    writeFileSync(file, stringify(c))
  })
  // as `custos mpc node-key --home H --dev` prints them (the first call creates the shared simulated vendor)
  const keys: string[] = []
  for (const home of homes) keys.push(toHex(await committeeNodeKeyOf(loadConfigFile(home), true)))
  const all = homes.map(
    (home, i) =>
      new MemberProcess(
        i,
        home,
        ports[i]!.api,
        {
          id: i,
          node_key: keys[i]!,
          url: `https://127.0.0.1:${ports[i]!.p2p}`,
        },
        spec.apiTls ? 'https' : 'http',
      ),
  )
  writeCommitteeFile(all, {
    epoch: 1,
    threshold: spec.threshold,
    members: spec.members ?? all.map((m) => m.id),
    domains: spec.domains,
  })
  return all
}

/** Write one epoch's committee file into the homes of `to` (default: every home). */
export function writeCommitteeFile(
  all: MemberProcess[],
  c: {
    epoch: number
    threshold: number
    members: number[]
    domains: Array<{ id: number; scheme: string; public_key?: string }>
  },
  to: MemberProcess[] = all,
): void {
  const committee = {
    epoch: c.epoch,
    threshold: c.threshold,
    participants: c.members.map((i) => all[i]!.entry),
    domains: c.domains.map((d) => ({ ...d, purpose: 'Sign' })),
  }
  for (const m of to) writeFileSync(resolve(m.home, 'committee.json'), JSON.stringify(committee, null, 2))
}

export interface Reply {
  status: number
  json: Record<string, unknown>
  ms: number
}

export async function api(
  url: string,
  init: {
    method?: string
    body?: unknown
    raw?: string
    token?: string
    timeoutMs?: number
    /** send over this attested client (an https member API, apiTls "ratls") instead of global fetch */
    client?: AttestedClient
  } = {},
): Promise<Reply> {
  const t0 = performance.now()
  const method = init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET')
  const headers = {
    'content-type': 'application/json',
    ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
  }
  const body = init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined)
  let status: number
  let text: string
  if (init.client) {
    // the attested client has its own socket timeout (createAttestedClient timeoutMs)
    const r = await init.client.request(url, { method, headers, ...(body !== undefined ? { body } : {}) })
    status = r.status
    text = Buffer.from(r.body).toString('utf8')
  } else {
    const r = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    })
    status = r.status
    text = await r.text()
  }
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text)
  } catch {
    json = { text }
  }
  return { status, json, ms: performance.now() - t0 }
}

export const signBody = (domainId: number, path: string, payload: { Eddsa: string } | { Ecdsa: string }) => ({
  request: { path, payload_v2: payload, domain_id: domainId },
})

export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000, every = 200): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await f()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms${last ? ` (${String(last)})` : ''}`)
    await new Promise((r) => setTimeout(r, every))
  }
}
