/**
 * `kill -9` of a member in the middle of the DKG (4 processes, t = 3): the restarted member abandons the attempt
 * it was in (sealed epoch state), the leader's attempt times out and it retries with a new attempt id, and the
 * committee ends with one key on every member — without manual steps.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { derivePublicKey, deriveTweak } from '../../src/mpc/index.js'
import { api, type MemberProcess, setupCommittee, signBody, until } from './mpcCommitteeHarness.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-mpc-dkg-'))
let members: MemberProcess[] = []
afterAll(async () => {
  await Promise.all(members.map((m) => m.kill()))
  rmSync(dir, { recursive: true, force: true })
})

describe('DKG crash recovery', () => {
  it('a member killed mid-DKG: the attempt is abandoned and retried with a new attempt id; every member ends with the same key', async () => {
    members = await setupCommittee({
      dir,
      n: 4,
      threshold: 3,
      domains: [
        { id: 0, scheme: 'Ed25519' },
        { id: 1, scheme: 'Secp256k1Frost' },
      ],
      tokens: { 'tok-0123456789abcdef': 'a.near' },
      allow: [{ predecessor: 'a.near', domains: [0, 1] }],
      dkgRoundTimeoutMs: 3000,
    })
    await Promise.all(members.map((m) => m.start()))
    // kill member 3 as soon as it starts working on the first attempt
    const victim = members[3]!
    const when = await until(
      'the leader starts a DKG attempt',
      async () =>
        victim.log.some((l) => l.includes('"DKG completed"'))
          ? 'late'
          : members[0]!.log.some((l) => l.includes('starting a DKG attempt as leader'))
            ? 'now'
            : undefined,
      60_000,
      5,
    )
    await victim.kill()
    await victim.start()
    const states = await until(
      'every member holds its keys',
      async () => {
        const s = await Promise.all(members.map((m) => api(`${m.apiUrl}/mpc/v1/state`)))
        return s.every((r) => r.json.status === 'running') ? s : undefined
      },
      90_000,
    )
    for (const d of [0, 1]) {
      const keys = new Set(states.map((s) => (s.json.domains as Array<{ publicKey: string }>)[d]!.publicKey))
      expect(keys.size).toBe(1)
    }
    // the leader needed more than one attempt unless the kill came after the DKG had finished everywhere
    const attempts = states[0]!.json.dkg_attempts as number
    if (when === 'now') expect(attempts).toBeGreaterThanOrEqual(2)
    // and the committee signs with the key
    const root = fromHex((states[0]!.json.domains as Array<{ publicKey: string }>)[0]!.publicKey)
    const msg = new Uint8Array(16).fill(3)
    const r = await api(`${members[3]!.apiUrl}/mpc/v1/sign`, {
      body: signBody(0, 'x', { Eddsa: toHex(msg) }),
      token: 'tok-0123456789abcdef',
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(
      ed25519.verify(
        Uint8Array.from(r.json.signature as number[]),
        msg,
        derivePublicKey('Ed25519', root, deriveTweak('a.near', 'x')),
      ),
    ).toBe(true)
  }, 150_000)
})
