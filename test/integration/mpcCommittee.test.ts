/**
 * Threshold committee (issue 13): 5 `custos start --dev` processes on loopback, t = 3, three domains (Ed25519,
 * BIP-340, secp256k1 FROST). DKG runs by itself; signatures for derived keys of several predecessors and paths
 * verify with plain @noble/curves against keys derived independently from the root keys; policy and malformed
 * input are refused; `kill -9` of a member mid-signing makes the coordinator retry (and no nonce is used twice);
 * with 2 members killed the committee still signs, with 3 it fails fast with 503.
 * One committee serves every case of the file (the cases run in order).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerMpcCommand } from '../../src/cli/mpcCommand.js'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { derivePublicKey, deriveTweak } from '../../src/mpc/index.js'
import { api, type MemberProcess, setupCommittee, signBody, until } from './mpcCommitteeHarness.js'

const TOKENS = {
  'alice-token-0123456789': 'alice.near',
  'bob-token-0123456789': 'bob.near',
  'eve-token-012345': 'eve.near',
}
const ALICE = 'alice-token-0123456789'
const BOB = 'bob-token-0123456789'
const EVE = 'eve-token-012345'
const DOMAINS = [
  { id: 0, scheme: 'Ed25519' },
  { id: 1, scheme: 'Bip340' },
  { id: 2, scheme: 'Secp256k1Frost' },
]

const dir = mkdtempSync(join(tmpdir(), 'custos-mpc-'))
let members: MemberProcess[] = []
const roots = new Map<number, Uint8Array>()

beforeAll(async () => {
  members = await setupCommittee({
    dir,
    n: 5,
    threshold: 3,
    domains: DOMAINS,
    tokens: TOKENS,
    allow: [
      { predecessor: 'alice.near', domains: [0, 1, 2] },
      { predecessor: 'bob.near', domains: [0, 1] },
    ],
  })
  await Promise.all(members.map((m) => m.start()))
}, 120_000)

afterAll(async () => {
  await Promise.all(members.map((m) => m.kill()))
  rmSync(dir, { recursive: true, force: true })
})

/** `custos mpc …` in this process (its output captured). */
async function custos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { code: -1, stdout: '', stderr: '' }
  const program = new Command().exitOverride().enablePositionalOptions()
  registerMpcCommand(program, {
    out: (t) => {
      out.stdout += t
    },
    err: (t) => {
      out.stderr += t
    },
    exitCode: (c) => {
      out.code = c
    },
  })
  await program.parseAsync(['node', 'custos', ...args])
  return out
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

/** Verify a sign response against the key derived here, independently, from the root key. */
function check(
  domainId: number,
  predecessor: string,
  path: string,
  message: Uint8Array,
  body: Record<string, unknown>,
) {
  const scheme = DOMAINS[domainId]!.scheme
  const key = derivePublicKey(scheme as 'Ed25519', roots.get(domainId)!, deriveTweak(predecessor, path))
  expect(body.scheme).toBe(scheme)
  if (scheme === 'Ed25519') {
    const sig = Uint8Array.from(body.signature as number[])
    expect(sig).toHaveLength(64)
    expect(ed25519.verify(sig, message, key)).toBe(true)
  } else if (scheme === 'Bip340') {
    expect(schnorr.verify(fromHex(body.signature as string), message, key)).toBe(true)
    expect(body.public_key).toBe(toHex(key))
  } else {
    expect(secp256k1_FROST.verify(fromHex(body.signature as string), message, key)).toBe(true)
    expect(body.public_key).toBe(toHex(key))
  }
}

describe('threshold committee of 5 processes (t = 3)', () => {
  it('runs the DKG by itself: every member holds the same key for every domain', async () => {
    const states = await until(
      'DKG on every member',
      async () => {
        const s = await Promise.all(members.map((m) => api(`${m.apiUrl}/mpc/v1/state`)))
        const done = s.every((r) => (r.json.domains as Array<{ publicKey: string | null }>).every((d) => d.publicKey))
        return done ? s : undefined
      },
      90_000,
    )
    for (const d of DOMAINS) {
      const keys = new Set(
        states.map(
          (s) => (s.json.domains as Array<{ id: number; publicKey: string }>).find((x) => x.id === d.id)!.publicKey,
        ),
      )
      expect(keys.size).toBe(1)
      roots.set(d.id, fromHex([...keys][0]!))
    }
    const s0 = states[0]!.json
    expect(s0.threshold).toBe(3)
    expect(s0.epoch).toBe('1')
    expect(s0.status).toBe('running')
    const pk = await api(`${members[2]!.apiUrl}/mpc/v1/public_key?domain_id=0`)
    expect(pk.json.public_key).toMatch(/^ed25519:/)
    expect(pk.json.public_key_hex).toBe(toHex(roots.get(0)!))
  }, 120_000)

  it('signs for derived keys of several predecessors and paths (Ed25519, BIP-340, secp256k1 FROST), any coordinator', async () => {
    const cases: Array<[number, string, string, string]> = [
      [0, ALICE, 'alice.near', ''],
      [0, ALICE, 'alice.near', 'ethereum-1'],
      [0, BOB, 'bob.near', 'solana/0'],
      [1, ALICE, 'alice.near', 'bitcoin-1'],
      [1, BOB, 'bob.near', ''],
      [2, ALICE, 'alice.near', 'x'],
    ]
    let i = 0
    for (const [domain, token, predecessor, path] of cases) {
      const message = domain === 0 ? bytes(48 + i, i) : bytes(32, 100 + i)
      const coordinator = members[i % members.length]!
      const payload = domain === 0 ? { Eddsa: toHex(message) } : { Ecdsa: toHex(message) }
      const r = await api(`${coordinator.apiUrl}/mpc/v1/sign`, { body: signBody(domain, path, payload), token })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      check(domain, predecessor, path, message, r.json)
      // the API's derived key is the one computed here
      const q = new URLSearchParams({ domain_id: String(domain), predecessor, path })
      const dk = await api(`${coordinator.apiUrl}/mpc/v1/derived_public_key?${q}`)
      expect(dk.json.public_key_hex).toBe(
        toHex(
          derivePublicKey(DOMAINS[domain]!.scheme as 'Ed25519', roots.get(domain)!, deriveTweak(predecessor, path)),
        ),
      )
      i++
    }
    // concurrent requests on one coordinator
    const msgs = Array.from({ length: 8 }, (_, k) => bytes(32, 200 + k))
    const rs = await Promise.all(
      msgs.map((m) =>
        api(`${members[0]!.apiUrl}/mpc/v1/sign`, { body: signBody(0, 'c', { Eddsa: toHex(m) }), token: ALICE }),
      ),
    )
    rs.forEach((r, k) => {
      expect(r.status).toBe(200)
      check(0, 'alice.near', 'c', msgs[k]!, r.json)
    })
  }, 60_000)

  it('custos mpc status | public-key | sign talk to a member', async () => {
    const url = members[3]!.apiUrl
    const st = await custos('mpc', 'status', '--url', url)
    expect(st.code).toBe(0)
    expect(JSON.parse(st.stdout)).toMatchObject({ epoch: '1', threshold: 3, me: 3, status: 'running' })
    const pk = await custos(
      'mpc',
      'public-key',
      '--url',
      url,
      '--domain',
      '1',
      '--predecessor',
      'alice.near',
      '--path',
      'cli',
    )
    expect(JSON.parse(pk.stdout).public_key_hex).toBe(
      toHex(derivePublicKey('Bip340', roots.get(1)!, deriveTweak('alice.near', 'cli'))),
    )
    const digest = bytes(32, 77)
    const sg = await custos(
      'mpc',
      'sign',
      '--url',
      url,
      '--token',
      ALICE,
      '--domain',
      '1',
      '--path',
      'cli',
      '--ecdsa',
      '--payload',
      toHex(digest),
    )
    expect(sg.code, sg.stderr).toBe(0)
    check(1, 'alice.near', 'cli', digest, JSON.parse(sg.stdout))
    const denied = await custos('mpc', 'sign', '--url', url, '--token', EVE, '--payload', '00')
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/403: predecessor "eve\.near" may not use domain 0/)
  }, 30_000)

  it('refuses a predecessor the policy does not allow (403, no signature), unknown callers (401) and malformed requests (400)', async () => {
    const url = `${members[1]!.apiUrl}/mpc/v1/sign`
    const eve = await api(url, { body: signBody(0, '', { Eddsa: '00' }), token: EVE })
    expect(eve.status).toBe(403)
    expect(eve.json.signature).toBeUndefined()
    expect(String(eve.json.error)).toMatch(/eve\.near.*may not use domain 0/)
    const bobSecp = await api(url, { body: signBody(2, '', { Ecdsa: '11'.repeat(32) }), token: BOB })
    expect(bobSecp.status).toBe(403)
    expect((await api(url, { body: signBody(0, '', { Eddsa: '00' }) })).status).toBe(401)
    expect((await api(url, { body: signBody(0, '', { Eddsa: '00' }), token: 'wrong-token-0000' })).status).toBe(401)
    const bad: Array<[string, unknown]> = [
      ['not JSON', '{'],
      ['no request', { path: '' }],
      ['bad hex', signBody(0, '', { Eddsa: 'zz' })],
      ['Ecdsa for an Ed25519 domain', signBody(0, '', { Ecdsa: '11'.repeat(32) })],
      ['short Ecdsa digest', signBody(1, '', { Ecdsa: '11'.repeat(31) })],
      [
        'both payloads',
        { request: { path: '', payload_v2: { Eddsa: '00' }, payload: Array(32).fill(1), domain_id: 0 } },
      ],
      ['unknown field', { request: { path: '', payload_v2: { Eddsa: '00' }, domain_id: 0, extra: 1 } }],
    ]
    for (const [name, body] of bad) {
      const r = await api(url, typeof body === 'string' ? { raw: body, token: ALICE } : { body, token: ALICE })
      expect(r.status, name).toBe(400)
      expect(typeof r.json.error, name).toBe('string')
    }
    expect((await api(url, { body: signBody(9, '', { Eddsa: '00' }), token: ALICE })).status).toBe(404)
  }, 30_000)

  it('kill -9 of a member in the middle of signing: the coordinator retries, and no nonce is used twice', async () => {
    // coordinator 0 spreads requests over the members; kill 2 while requests are in flight
    let stop = false
    const signed: Array<{ m: Uint8Array; r: Awaited<ReturnType<typeof api>> }> = []
    let k = 0
    const worker = async () => {
      while (!stop) {
        const m = bytes(32, 1000 + k++)
        const r = await api(`${members[0]!.apiUrl}/mpc/v1/sign`, {
          body: signBody(0, 'kill', { Eddsa: toHex(m) }),
          token: ALICE,
        })
        signed.push({ m, r })
      }
    }
    const workers = [worker(), worker(), worker(), worker()]
    await new Promise((r) => setTimeout(r, 400))
    await members[2]!.kill()
    await new Promise((r) => setTimeout(r, 3000))
    stop = true
    await Promise.all(workers)
    expect(signed.length).toBeGreaterThan(8)
    for (const { m, r } of signed) {
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      check(0, 'alice.near', 'kill', m, r.json)
    }
    // the coordinator saw the dead member and retried with another subset
    expect(members[0]!.log.some((l) => l.includes('signing attempt failed; retrying'))).toBe(true)
    // the killed member comes back: nonces it had reserved are burned, never used
    await members[2]!.start()
    const s2 = await until('member 2 back online', async () => {
      const s = await api(`${members[2]!.apiUrl}/mpc/v1/state`)
      return (s.json.online_peers as number[]).length === 4 ? s : undefined
    })
    const burned = (s2.json.nonces as { burned: number }).burned
    expect(burned).toBeGreaterThanOrEqual(0)
    // every nonce was used once or burned (a member whose session was called off burns its nonce); what stays
    // reserved is exactly what the member handed out as preprocessed commitments and still holds for a coordinator
    for (const m of members)
      await until(
        `member ${m.id}: no nonce reserved beyond its preprocessed ones`,
        async () => {
          const s = (await api(`${m.apiUrl}/mpc/v1/state`)).json as {
            nonces: { reserved: number }
            preprocessed: { handed: number }
          }
          return s.nonces.reserved === s.preprocessed.handed ? true : undefined
        },
        10_000,
      )
  }, 60_000)

  it('with 2 members killed t = 3 still sign; with a third killed requests fail fast (503)', async () => {
    await members[3]!.kill()
    await members[4]!.kill()
    // every remaining member (the coordinator below is member 1) sees the other two again
    for (const m of members.slice(0, 3))
      await until(`${m.id} sees 2 peers`, async () => {
        const s = await api(`${m.apiUrl}/mpc/v1/state`)
        return (s.json.online_peers as number[]).length === 2 ? true : undefined
      })
    for (const [domain, m] of [
      [0, bytes(20, 7)],
      [1, bytes(32, 8)],
      [2, bytes(32, 9)],
    ] as Array<[number, Uint8Array]>) {
      const payload = domain === 0 ? { Eddsa: toHex(m) } : { Ecdsa: toHex(m) }
      const r = await api(`${members[1]!.apiUrl}/mpc/v1/sign`, { body: signBody(domain, 'p', payload), token: ALICE })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      check(domain, 'alice.near', 'p', m, r.json)
    }
    await members[2]!.kill()
    await until('0 sees 1 peer', async () => {
      const s = await api(`${members[0]!.apiUrl}/mpc/v1/state`)
      return (s.json.online_peers as number[]).length === 1 ? true : undefined
    })
    const r = await api(`${members[0]!.apiUrl}/mpc/v1/sign`, { body: signBody(0, '', { Eddsa: '00' }), token: ALICE })
    expect(r.status).toBe(503)
    expect(r.json.error).toBe('not enough participants online (2 of 3 needed)')
    expect(r.ms).toBeLessThan(1000)
  }, 60_000)
})
