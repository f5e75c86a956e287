/**
 * Helpers for signerCrash.test.ts: a `custos start` child process that can be SIGKILLed and restarted, sign
 * requests whose signing roots are computed independently (@lodestar/config + @lodestar/types, never the code
 * under test), a keep-alive HTTP client, and the slashable-pair checker over every signature ever returned.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { PublicKey, Signature, verify, verifyMultipleAggregateSignatures } from '@chainsafe/blst'
import { createBeaconConfig } from '@lodestar/config'
import { mainnetChainConfig } from '@lodestar/config/networks'
import { ssz } from '@lodestar/types'
import { parse, stringify } from 'smol-toml'
import { fromHex, toHex } from '../../src/crypto/index.js'

export const ROOT = resolve(import.meta.dirname, '../..')
const CLI = resolve(ROOT, 'bin/custos.js')
const hex = (b: Uint8Array) => `0x${toHex(b)}`

const GVR = fromHex('4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95') // mainnet
const cfg = createBeaconConfig(mainnetChainConfig, GVR)
export const ELECTRA_EPOCH = mainnetChainConfig.ELECTRA_FORK_EPOCH
const FORK_INFO = {
  fork: { previous_version: '0x04000000', current_version: '0x05000000', epoch: String(ELECTRA_EPOCH) },
  genesis_validators_root: hex(GVR),
}
const D = (n: number) => Uint8Array.from([n, 0, 0, 0])
const signingRoot = (objectRoot: Uint8Array, domain: Uint8Array) =>
  ssz.phase0.SigningData.hashTreeRoot({ objectRoot, domain })

export type Signed =
  | { kind: 'block'; pubkey: string; slot: number; root: string; signature: string }
  | { kind: 'attestation'; pubkey: string; source: number; target: number; root: string; signature: string }
export type SignRequest = { body: string } & (
  | { kind: 'block'; slot: number; root: string }
  | { kind: 'attestation'; source: number; target: number; root: string }
)

/** ATTESTATION request; `blockRootByte` varies the data (and so the signing root) for one source/target. */
export function attestationRequest(source: number, target: number, blockRootByte: number): SignRequest {
  const a = ssz.phase0.AttestationData.defaultValue()
  a.slot = target * 32 + 3
  a.source.epoch = source
  a.target.epoch = target
  a.beaconBlockRoot = new Uint8Array(32).fill(blockRootByte)
  const root = signingRoot(ssz.phase0.AttestationData.hashTreeRoot(a), cfg.getDomain(a.slot, D(1), a.slot))
  const body = { type: 'ATTESTATION', fork_info: FORK_INFO, attestation: ssz.phase0.AttestationData.toJson(a) }
  return { kind: 'attestation', source, target, root: hex(root), body: JSON.stringify(body) }
}

/** BLOCK_V2 (Electra header) request; `proposer` varies the header (and so the signing root) for one slot. */
export function blockRequest(slot: number, proposer: number): SignRequest {
  const h = ssz.phase0.BeaconBlockHeader.defaultValue()
  h.slot = slot
  h.proposerIndex = proposer
  const root = signingRoot(ssz.phase0.BeaconBlockHeader.hashTreeRoot(h), cfg.getDomain(slot, D(0), slot))
  const body = {
    type: 'BLOCK_V2',
    fork_info: FORK_INFO,
    beacon_block: { version: 'ELECTRA', block_header: ssz.phase0.BeaconBlockHeader.toJson(h) },
  }
  return { kind: 'block', slot, root: hex(root), body: JSON.stringify(body) }
}

/** `custos init --home H --dev`, then: KMS off, signer on, both signer listeners on 127.0.0.1:0. */
export function initSignerHome(home: string): void {
  execFileSync(process.execPath, [CLI, 'init', '--home', home, '--dev'], { cwd: ROOT, stdio: 'ignore' })
  const file = resolve(home, 'custos.toml')
  const c = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>
  const signer = c.signer as Record<string, unknown> & { keymanager: Record<string, unknown> }
  ;(c.kms as Record<string, unknown>).enabled = false
  signer.enabled = true
  signer.listen = '127.0.0.1:0'
  signer.keymanager.listen = '127.0.0.1:0'
  writeFileSync(file, stringify(c))
}

/** One `custos start --home H --dev` child; `url`/`kmUrl` are parsed from its JSON log lines on stderr. */
export class SignerProcess {
  child: ChildProcess | undefined
  url: string | undefined
  kmUrl: string | undefined
  private exited: Promise<void> = Promise.resolve()

  constructor(readonly home: string) {}

  /** Spawn; resolves once both listeners logged their URL (call `waitReady`) — or returns at once. */
  spawn(): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'start', '--home', this.home, '--dev'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    this.child = child
    this.exited = new Promise((res) => child.once('exit', () => res()))
    let api: string | undefined
    let km: string | undefined
    const tail: string[] = []
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`custos start: not ready within 30 s; last log lines:\n${tail.join('\n')}`)),
        30_000,
      )
      child.once('exit', (code, sig) => {
        clearTimeout(timer)
        rej(new Error(`custos start exited before ready (code ${code}, signal ${sig})`))
      })
      createInterface({ input: child.stderr! }).on('line', (line) => {
        tail.push(line.slice(0, 300))
        if (tail.length > 8) tail.shift()
        if (!line.startsWith('{')) return
        let msg: { msg?: string; url?: string }
        try {
          msg = JSON.parse(line)
        } catch {
          return
        }
        if (msg.msg === 'Web3Signer API listening') api = msg.url
        if (msg.msg === 'keymanager API listening') km = msg.url
        // Lines still buffered from a killed child must not resurrect its (dead) URL.
        const alive = this.child === child && child.exitCode === null && child.signalCode === null
        if (api && km && alive && !this.url) {
          clearTimeout(timer)
          this.kmUrl = km
          this.url = api
          res()
        }
      })
    })
  }

  /** SIGKILL and wait for the exit (no-op when not running). */
  async kill(): Promise<void> {
    this.url = undefined
    const c = this.child
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await this.exited
    this.child = undefined
    this.url = undefined
  }
}

export interface Reply {
  status: number
  text: string
}

/** POST with a per-client keep-alive agent; rejects on connection errors and after `timeoutMs`. */
export function post(
  url: string,
  body: string,
  agent: Agent,
  headers: Record<string, string> = {},
  timeoutMs = 5000,
  method = 'POST',
): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request(url, {
      method,
      agent,
      // An explicit length: Node sends no body framing for DELETE otherwise.
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        accept: 'application/json',
        ...headers,
      },
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')))
    req.on('error', rej)
    req.on('response', (r) => {
      const chunks: Buffer[] = []
      r.on('data', (c: Buffer) => chunks.push(c))
      r.on('error', rej)
      r.on('end', () => res({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.end(body)
  })
}

export const keepAlive = () => new Agent({ keepAlive: true, maxSockets: 1 })

/** Every slashable pair among `signed` (per key: double proposal, double vote, surround vote), as text. */
export function slashablePairs(signed: Signed[]): string[] {
  const out: string[] = []
  const byKey = new Map<string, Signed[]>()
  for (const s of signed) byKey.set(s.pubkey, [...(byKey.get(s.pubkey) ?? []), s])
  for (const [pk, list] of byKey) {
    const short = pk.slice(0, 12)
    const blocks = new Map<number, Set<string>>()
    const atts = new Map<string, { source: number; target: number; root: string }>()
    for (const s of list) {
      if (s.kind === 'block') blocks.set(s.slot, (blocks.get(s.slot) ?? new Set()).add(s.root))
      else atts.set(`${s.source}/${s.target}/${s.root}`, s)
    }
    for (const [slot, roots] of blocks) if (roots.size > 1) out.push(`${short}: double proposal at slot ${slot}`)
    const a = [...atts.values()]
    for (let i = 0; i < a.length; i++) {
      for (let j = i + 1; j < a.length; j++) {
        const x = a[i]!
        const y = a[j]!
        if (x.target === y.target && x.root !== y.root) out.push(`${short}: double vote at target ${x.target}`)
        else if ((x.source < y.source && y.target < x.target) || (y.source < x.source && x.target < y.target))
          out.push(`${short}: surround vote ${x.source}->${x.target} / ${y.source}->${y.target}`)
      }
    }
  }
  return out
}

/** Indices of the signatures that do not verify over their (independently computed) signing root. */
export function badSignatures(signed: Signed[]): number[] {
  const bad: number[] = []
  const one = (s: Signed) => {
    try {
      return verify(
        fromHex(s.root),
        PublicKey.fromBytes(fromHex(s.pubkey), true),
        Signature.fromBytes(fromHex(s.signature), true),
      )
    } catch {
      return false
    }
  }
  const pks = new Map<string, PublicKey>()
  const pkOf = (h: string) => pks.get(h) ?? pks.set(h, PublicKey.fromBytes(fromHex(h), true)).get(h)!
  for (let i = 0; i < signed.length; i += 128) {
    const chunk = signed.slice(i, i + 128)
    let ok = false
    try {
      ok = verifyMultipleAggregateSignatures(
        chunk.map((s) => ({
          msg: fromHex(s.root),
          pk: pkOf(s.pubkey),
          sig: Signature.fromBytes(fromHex(s.signature), true),
        })),
      )
    } catch {
      ok = false
    }
    // A failed batch is re-checked one by one to name the culprits.
    if (!ok) for (const [k, s] of chunk.entries()) if (!one(s)) bad.push(i + k)
  }
  return bad
}
