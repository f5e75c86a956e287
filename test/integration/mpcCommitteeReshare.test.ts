/**
 * Resharing across epochs with the committee members as OS processes (near-mpc.md §4.3): epoch 1 is 3-of-5
 * (members 0–4); epoch 2 keeps the set size (4 leaves, 5 joins) and a member is killed -9 as the resharing
 * starts; epoch 3 is 5 → 4 with the threshold lowered to 2. Every epoch keeps both group keys (so every derived
 * key and address), the joiner signs, the leaver gets nothing from the new epoch, and after each epoch no node
 * holds a share of an earlier one.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { afterAll, describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { derivePublicKey, deriveTweak } from '../../src/mpc/index.js'
import { api, type MemberProcess, setupCommittee, signBody, until, writeCommitteeFile } from './mpcCommitteeHarness.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-mpc-reshare-'))
let members: MemberProcess[] = []
afterAll(async () => {
  await Promise.all(members.map((m) => m.kill()))
  rmSync(dir, { recursive: true, force: true })
})

const TOKEN = 'tok-reshare-0123456789'
const DOMAINS = [
  { id: 0, scheme: 'Ed25519' },
  { id: 1, scheme: 'Secp256k1Frost' },
]

type State = { status: string; epoch: string; threshold: number; domains: Array<{ publicKey: string | null }> }

async function running(ms: MemberProcess[], epoch: number): Promise<State[]> {
  return until(
    `every member runs epoch ${epoch}`,
    async () => {
      const s = await Promise.all(ms.map((m) => api(`${m.apiUrl}/mpc/v1/state`, { timeoutMs: 5000 })))
      const j = s.map((r) => r.json as unknown as State)
      return j.every((x) => x.status === 'running' && x.epoch === String(epoch)) ? j : undefined
    },
    120_000,
  )
}

async function signEd(m: MemberProcess, path: string, msg: Uint8Array) {
  const r = await api(`${m.apiUrl}/mpc/v1/sign`, { body: signBody(0, path, { Eddsa: toHex(msg) }), token: TOKEN })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return Uint8Array.from(r.json.signature as number[])
}

describe('committee resharing (processes)', () => {
  it('5 → 5 with one leaving and one joining (a member killed mid-resharing), then 5 → 4 with t 3 → 2: keys stay, shares move', async () => {
    members = await setupCommittee({
      dir,
      n: 6,
      members: [0, 1, 2, 3, 4],
      threshold: 3,
      domains: DOMAINS,
      tokens: { [TOKEN]: 'a.near' },
      allow: [{ predecessor: 'a.near', domains: [0, 1] }],
      dkgRoundTimeoutMs: 3000,
    })
    const at = (ids: number[]) => ids.map((i) => members[i]!)
    // ---- epoch 1: DKG among 0–4
    await Promise.all(at([0, 1, 2, 3, 4]).map((m) => m.start()))
    const e1 = await running(at([0, 1, 2, 3, 4]), 1)
    const keys = e1[0]!.domains.map((d) => d.publicKey!)
    const msg = new TextEncoder().encode('the same key in every epoch')
    const derivedEd = derivePublicKey('Ed25519', fromHex(keys[0]!), deriveTweak('a.near', 'x'))
    expect(ed25519.verify(await signEd(members[1]!, 'x', msg), msg, derivedEd)).toBe(true)
    await Promise.all(at([0, 1, 2, 3, 4]).map((m) => m.stop()))

    // ---- epoch 2: 4 leaves, 5 joins; the file names the keys; member 2 is killed as the resharing starts
    const withKeys = DOMAINS.map((d, i) => ({ ...d, public_key: keys[i]! }))
    writeCommitteeFile(
      members,
      { epoch: 2, threshold: 3, members: [0, 1, 2, 3, 5], domains: withKeys },
      at([0, 1, 2, 3, 5]),
    )
    await Promise.all(at([0, 1, 2, 3, 5]).map((m) => m.start()))
    const when = await until(
      'the leader starts a resharing attempt',
      async () =>
        members[2]!.log.some((l) => l.includes('"resharing completed"'))
          ? 'late'
          : members[0]!.log.some((l) => l.includes('starting a resharing attempt as leader'))
            ? 'now'
            : undefined,
      60_000,
      5,
    )
    await members[2]!.kill()
    await members[2]!.start()
    const e2 = await running(at([0, 1, 2, 3, 5]), 2)
    for (const s of e2) expect(s.domains.map((d) => d.publicKey)).toEqual(keys)
    if (when === 'now') expect((e2[0] as unknown as { dkg_attempts: number }).dkg_attempts).toBeGreaterThanOrEqual(2)
    // the joiner coordinates a signature for the same derived key as in epoch 1
    expect(ed25519.verify(await signEd(members[5]!, 'x', msg), msg, derivedEd)).toBe(true)
    const digest = new Uint8Array(32).fill(0x42)
    const k1 = await api(`${members[5]!.apiUrl}/mpc/v1/sign`, {
      body: signBody(1, 'btc/0', { Ecdsa: toHex(digest) }),
      token: TOKEN,
    })
    expect(k1.status, JSON.stringify(k1.json)).toBe(200)
    const k1Key = derivePublicKey('Secp256k1Frost', fromHex(keys[1]!), deriveTweak('a.near', 'btc/0'))
    expect(secp256k1_FROST.verify(fromHex(String(k1.json.signature)), digest, k1Key)).toBe(true)

    // the leaver still runs its epoch-1 file: the epoch-2 members refuse it, so it cannot sign
    await members[4]!.start()
    const leaver = await api(`${members[4]!.apiUrl}/mpc/v1/sign`, {
      body: signBody(0, 'x', { Eddsa: toHex(msg) }),
      token: TOKEN,
    })
    expect(leaver.status).toBe(503)
    expect(String(leaver.json.error)).toMatch(/not enough participants online/)
    await members[4]!.kill()

    // ---- epoch 3: 5 → 4 (3 leaves), threshold 3 → 2
    await Promise.all(at([0, 1, 2, 3, 5]).map((m) => m.stop()))
    writeCommitteeFile(members, { epoch: 3, threshold: 2, members: [0, 1, 2, 5], domains: withKeys }, at([0, 1, 2, 5]))
    await Promise.all(at([0, 1, 2, 5]).map((m) => m.start()))
    const e3 = await running(at([0, 1, 2, 5]), 3)
    for (const s of e3) {
      expect(s.threshold).toBe(2)
      expect(s.domains.map((d) => d.publicKey)).toEqual(keys)
    }
    const r3 = await api(`${members[2]!.apiUrl}/mpc/v1/sign`, {
      body: signBody(0, 'x', { Eddsa: toHex(msg) }),
      token: TOKEN,
    })
    expect(r3.status, JSON.stringify(r3.json)).toBe(200)
    expect(ed25519.verify(Uint8Array.from(r3.json.signature as number[]), msg, derivedEd)).toBe(true)
  }, 400_000)
})
