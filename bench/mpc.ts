/**
 * Threshold committee figures (issue 13), 5 `custos start --dev` processes on loopback (attested TLS between
 * members, simulated TEE), t = 3:
 *  - DKG of one domain (leader's "DKG completed" time: start message → every member confirmed its sealed share);
 *  - FROST 3-of-5 signing through the API (token auth, derived key): one client (p50/p99) and 16 concurrent
 *    clients (sustained signatures/s), for Ed25519 and secp256k1 (Secp256k1Frost);
 *  - resharing 5 → 5 (member 4 leaves, member 5 joins; Ed25519 run only): the leader's "resharing completed" time
 *    (start message → every member confirmed its new sealed share), after a restart with the epoch-2 file;
 *  - reference: noble's plain FROST, everything in this one process (trusted dealer, 3 × commit, 3 × signShare,
 *    aggregate), measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519_FROST } from '@noble/curves/ed25519.js'
import { secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { toHex } from '../src/crypto/index.js'
import {
  api,
  type MemberProcess,
  setupCommittee,
  signBody,
  until,
  writeCommitteeFile,
} from '../test/integration/mpcCommitteeHarness.js'
import { machine, print, summarise, timeLoop, timeSync } from './util.js'

const TOKEN = 'bench-token-0123456789'

function nobleReference(name: string, frost: typeof ed25519_FROST): void {
  const ids = [1, 2, 3, 4, 5].map((i) => frost.Identifier.fromNumber(i))
  const dealt = frost.trustedDealer({ min: 3, max: 5 }, ids)
  const signers = ids.slice(0, 3)
  const msg = new Uint8Array(32).fill(7)
  const r = timeSync(
    () => {
      const c = signers.map((id) => frost.commit(dealt.secretShares[id]!))
      const list = c.map((x) => x.commitments)
      const shares: Record<string, Uint8Array> = {}
      signers.forEach((id, i) => {
        shares[id] = frost.signShare(dealt.secretShares[id]!, dealt.public, c[i]!.nonces, list, msg)
      })
      return frost.aggregate(dealt.public, list, msg, shares)
    },
    30,
    5,
  )
  console.log(
    `noble plain FROST 3-of-5 ${name}, all in one process: p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms`,
  )
}

async function committee(scheme: 'Ed25519' | 'Secp256k1Frost'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-mpc-'))
  let members: MemberProcess[] = []
  try {
    members = await setupCommittee({
      dir,
      n: 6,
      members: [0, 1, 2, 3, 4],
      threshold: 3,
      domains: [{ id: 0, scheme }],
      tokens: { [TOKEN]: 'bench.near' },
      allow: [{ predecessor: 'bench.near', domains: [0] }],
    })
    const first = members.slice(0, 5)
    await Promise.all(first.map((m) => m.start()))
    await until(
      'DKG',
      async () => {
        const s = await Promise.all(first.map((m) => api(`${m.apiUrl}/mpc/v1/state`)))
        return s.every((r) => r.json.status === 'running') ? true : undefined
      },
      120_000,
    )
    const dkgMs = members
      .flatMap((m) => m.log.filter((l) => l.includes('"DKG completed"')))
      .map((l) => (JSON.parse(l) as { ms: number }).ms)
    console.log(
      `DKG ${scheme}, 5 nodes, one domain: ${Math.max(...dkgMs)} ms (slowest member; members ${dkgMs.join(', ')} ms)`,
    )
    let k = 0
    const payload = () => {
      const m = new Uint8Array(32)
      new DataView(m.buffer).setUint32(0, k++)
      return scheme === 'Ed25519' ? { Eddsa: toHex(m) } : { Ecdsa: toHex(m) }
    }
    const once = async () => {
      const coordinator = members[k % 5]!
      const r = await api(`${coordinator.apiUrl}/mpc/v1/sign`, {
        body: signBody(0, `bench/${k % 7}`, payload()),
        token: TOKEN,
      })
      if (r.status !== 200) throw new Error(`sign failed: ${r.status} ${JSON.stringify(r.json)}`)
    }
    const seq = await timeLoop(once, 8_000, 1_000)
    print(summarise(`FROST 3-of-5 ${scheme} sign, 5 node processes, 1 client`, seq.lat, seq.seconds))
    const clients = 16
    const lat: number[] = []
    const end = performance.now() + 10_000
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          const t = performance.now()
          await once()
          lat.push(performance.now() - t)
        }
      }),
    )
    print(
      summarise(
        `FROST 3-of-5 ${scheme} sign, 5 node processes, ${clients} concurrent clients`,
        lat,
        (performance.now() - t0) / 1000,
      ),
    )
    // what the coordinators went through: attempts that failed and were retried (timeouts, stale pools)
    const retried = first.map((m) => m.log.filter((l) => l.includes('signing attempt failed; retrying')).length)
    console.log(`  retried attempts per member: ${retried.join(', ')}`)
    if (scheme === 'Ed25519') await reshare(members, scheme)
  } finally {
    // a graceful stop lets members started with --cpu-prof (CUSTOS_MEMBER_NODE_ARGS) write their profiles
    await Promise.all(members.map((m) => (process.env.CUSTOS_MEMBER_NODE_ARGS ? m.stop() : m.kill())))
    rmSync(dir, { recursive: true, force: true })
  }
}

async function reshare(members: MemberProcess[], scheme: string): Promise<void> {
  const key = (await api(`${members[0]!.apiUrl}/mpc/v1/public_key?domain_id=0`)).json
  await Promise.all(members.map((m) => m.stop()))
  const next = [0, 1, 2, 3, 5].map((i) => members[i]!)
  writeCommitteeFile(members, {
    epoch: 2,
    threshold: 3,
    members: [0, 1, 2, 3, 5],
    domains: [{ id: 0, scheme, public_key: String(key.public_key_hex) }],
  })
  await Promise.all(next.map((m) => m.start()))
  await until(
    'resharing',
    async () => {
      const s = await Promise.all(next.map((m) => api(`${m.apiUrl}/mpc/v1/state`)))
      return s.every((r) => r.json.status === 'running' && r.json.epoch === '2') ? true : undefined
    },
    120_000,
  )
  const ms = next
    .flatMap((m) => m.log.filter((l) => l.includes('"resharing completed"')))
    .map((l) => (JSON.parse(l) as { ms: number }).ms)
  console.log(
    `resharing ${scheme} 5 → 5 (one leaves, one joins), one domain: ${Math.max(...ms)} ms (slowest member; members ${ms.join(', ')} ms)`,
  )
}

/** BENCH_MPC_SCHEMES=Ed25519,Secp256k1Frost (default both) */
export async function benchMpc(): Promise<void> {
  console.log(`# threshold committee (${machine()})`)
  nobleReference('Ed25519', ed25519_FROST)
  nobleReference('secp256k1', secp256k1_FROST as unknown as typeof ed25519_FROST)
  const schemes = (process.env.BENCH_MPC_SCHEMES ?? 'Ed25519,Secp256k1Frost').split(',')
  for (const s of schemes) {
    if (s !== 'Ed25519' && s !== 'Secp256k1Frost') throw new Error(`BENCH_MPC_SCHEMES: unknown scheme ${s}`)
    await committee(s)
  }
}
