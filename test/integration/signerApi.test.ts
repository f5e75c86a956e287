/**
 * Web3Signer API end to end on loopback: real HTTP server, real sealed SQLite store, simulated TEE, blst.
 * Expected signing roots are computed independently with @lodestar/config + @lodestar/types (as in
 * src/signer/signing/signingRootFor.test.ts), never by the code under test.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PublicKey, Signature, verify } from '@chainsafe/blst'
import { createBeaconConfig } from '@lodestar/config'
import { mainnetChainConfig } from '@lodestar/config/networks'
import { ssz } from '@lodestar/types'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { rawRequest } from '../support/http.js'
import { fastKeystore, type RunningSigner, type SimulatedEnv, simulatedEnv, startSigner } from './signerHarness.js'

type Json = Record<string, unknown>
const hex = (b: Uint8Array) => `0x${toHex(b)}`

const SECRET = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'
const PK = '0x9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07'
const SECRET2 = '2d2c0b8ee2d3e1b46e79a1c8e6e4b55e2c05d6f8b24f9b10e2a7bfc3c3b0f9a1'

const GVR = fromHex('4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95')
const cfg = createBeaconConfig(mainnetChainConfig, GVR)
const ELECTRA_EPOCH = mainnetChainConfig.ELECTRA_FORK_EPOCH
const FORK_INFO = {
  fork: { previous_version: '0x04000000', current_version: '0x05000000', epoch: String(ELECTRA_EPOCH) },
  genesis_validators_root: hex(GVR),
}
const SLOT = ELECTRA_EPOCH * 32 + 17
const D = (n: number) => Uint8Array.from([n, 0, 0, 0])
const root = (objectRoot: Uint8Array, domain: Uint8Array) => ssz.phase0.SigningData.hashTreeRoot({ objectRoot, domain })

/** One request per Web3Signer type with its independently computed signing root. */
function allTypes(pubkey: Uint8Array): Array<{ type: string; body: Json; expected: Uint8Array }> {
  const out: Array<{ type: string; body: Json; expected: Uint8Array }> = []
  const add = (body: Json, expected: Uint8Array) => out.push({ type: body.type as string, body, expected })

  const p0 = ssz.phase0.BeaconBlock.defaultValue()
  p0.slot = SLOT - 64
  add(
    { type: 'BLOCK', fork_info: FORK_INFO, block: ssz.phase0.BeaconBlock.toJson(p0) },
    root(ssz.phase0.BeaconBlock.hashTreeRoot(p0), cfg.getDomain(SLOT, D(0), SLOT - 64)),
  )
  const header = ssz.phase0.BeaconBlockHeader.defaultValue()
  header.slot = SLOT
  header.proposerIndex = 12345
  add(
    {
      type: 'BLOCK_V2',
      fork_info: FORK_INFO,
      beacon_block: { version: 'ELECTRA', block_header: ssz.phase0.BeaconBlockHeader.toJson(header) },
    },
    root(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header), cfg.getDomain(SLOT, D(0), SLOT)),
  )
  const att = ssz.phase0.AttestationData.defaultValue()
  att.slot = SLOT
  att.source.epoch = ELECTRA_EPOCH - 1
  att.target.epoch = ELECTRA_EPOCH
  add(
    { type: 'ATTESTATION', fork_info: FORK_INFO, attestation: ssz.phase0.AttestationData.toJson(att) },
    root(ssz.phase0.AttestationData.hashTreeRoot(att), cfg.getDomain(SLOT, D(1), SLOT)),
  )
  add(
    { type: 'AGGREGATION_SLOT', fork_info: FORK_INFO, aggregation_slot: { slot: String(SLOT) } },
    root(ssz.Slot.hashTreeRoot(SLOT), cfg.getDomain(SLOT, D(5), SLOT)),
  )
  const p0agg = ssz.phase0.AggregateAndProof.defaultValue()
  p0agg.aggregate.data.slot = SLOT
  add(
    {
      type: 'AGGREGATE_AND_PROOF',
      fork_info: FORK_INFO,
      aggregate_and_proof: ssz.phase0.AggregateAndProof.toJson(p0agg),
    },
    root(ssz.phase0.AggregateAndProof.hashTreeRoot(p0agg), cfg.getDomain(SLOT, D(6), SLOT)),
  )
  const eagg = ssz.electra.AggregateAndProof.defaultValue()
  eagg.aggregatorIndex = 77
  eagg.aggregate.data.slot = SLOT
  eagg.aggregate.committeeBits.set(3, true)
  add(
    {
      type: 'AGGREGATE_AND_PROOF_V2',
      fork_info: FORK_INFO,
      aggregate_and_proof: { version: 'ELECTRA', data: ssz.electra.AggregateAndProof.toJson(eagg) },
    },
    root(ssz.electra.AggregateAndProof.hashTreeRoot(eagg), cfg.getDomain(SLOT, D(6), SLOT)),
  )
  const msg = { pubkey, withdrawalCredentials: new Uint8Array(32).fill(1), amount: 32_000_000_000 }
  const depFdr = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: D(0), genesisValidatorsRoot: new Uint8Array(32) })
  add(
    {
      type: 'DEPOSIT',
      deposit: {
        pubkey: hex(pubkey),
        withdrawal_credentials: hex(msg.withdrawalCredentials),
        amount: '32000000000',
        genesis_fork_version: '0x00000000',
      },
    },
    root(ssz.phase0.DepositMessage.hashTreeRoot(msg), Uint8Array.from([...D(3), ...depFdr.subarray(0, 28)])),
  )
  add(
    { type: 'RANDAO_REVEAL', fork_info: FORK_INFO, randao_reveal: { epoch: String(ELECTRA_EPOCH) } },
    root(ssz.Epoch.hashTreeRoot(ELECTRA_EPOCH), cfg.getDomain(SLOT, D(2), SLOT)),
  )
  add(
    {
      type: 'VOLUNTARY_EXIT',
      fork_info: FORK_INFO,
      voluntary_exit: { epoch: String(ELECTRA_EPOCH), validator_index: '5' },
    },
    root(
      ssz.phase0.VoluntaryExit.hashTreeRoot({ epoch: ELECTRA_EPOCH, validatorIndex: 5 }),
      cfg.getDomainForVoluntaryExit(SLOT, SLOT),
    ),
  )
  const bbr = new Uint8Array(32).fill(0x42)
  add(
    {
      type: 'SYNC_COMMITTEE_MESSAGE',
      fork_info: FORK_INFO,
      sync_committee_message: { beacon_block_root: hex(bbr), slot: String(SLOT) },
    },
    root(bbr, cfg.getDomain(SLOT, D(7), SLOT)),
  )
  add(
    {
      type: 'SYNC_COMMITTEE_SELECTION_PROOF',
      fork_info: FORK_INFO,
      sync_aggregator_selection_data: { slot: String(SLOT), subcommittee_index: '2' },
    },
    root(
      ssz.altair.SyncAggregatorSelectionData.hashTreeRoot({ slot: SLOT, subcommitteeIndex: 2 }),
      cfg.getDomain(SLOT, D(8), SLOT),
    ),
  )
  const cp = ssz.altair.ContributionAndProof.defaultValue()
  cp.aggregatorIndex = 9
  cp.contribution.slot = SLOT
  add(
    {
      type: 'SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF',
      fork_info: FORK_INFO,
      contribution_and_proof: ssz.altair.ContributionAndProof.toJson(cp),
    },
    root(ssz.altair.ContributionAndProof.hashTreeRoot(cp), cfg.getDomain(SLOT, D(9), SLOT)),
  )
  const reg = { feeRecipient: new Uint8Array(20).fill(3), gasLimit: 30_000_000, timestamp: 1_700_000_000, pubkey }
  const regFdr = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: D(0), genesisValidatorsRoot: new Uint8Array(32) })
  add(
    {
      type: 'VALIDATOR_REGISTRATION',
      validator_registration: {
        fee_recipient: hex(reg.feeRecipient),
        gas_limit: '30000000',
        timestamp: '1700000000',
        pubkey: hex(pubkey),
      },
    },
    root(
      ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot(reg),
      Uint8Array.from([0, 0, 0, 1, ...regFdr.subarray(0, 28)]),
    ),
  )
  return out
}

function attestation(source: number, target: number, blockRootByte: number): Json {
  const a = ssz.phase0.AttestationData.defaultValue()
  a.slot = target * 32
  a.source.epoch = source
  a.target.epoch = target
  a.beaconBlockRoot = new Uint8Array(32).fill(blockRootByte)
  return { type: 'ATTESTATION', fork_info: FORK_INFO, attestation: ssz.phase0.AttestationData.toJson(a) }
}

function blockV2(slot: number, proposer: number): Json {
  const h = ssz.phase0.BeaconBlockHeader.defaultValue()
  h.slot = slot
  h.proposerIndex = proposer
  return {
    type: 'BLOCK_V2',
    fork_info: FORK_INFO,
    beacon_block: { version: 'ELECTRA', block_header: ssz.phase0.BeaconBlockHeader.toJson(h) },
  }
}

const verifies = (pk: string, signingRoot: Uint8Array, sig: string) =>
  verify(signingRoot, PublicKey.fromBytes(fromHex(pk), true), Signature.fromBytes(fromHex(sig), true))

let env: SimulatedEnv
let dir: string
let s: RunningSigner
let pk2: string
let winner = 0

const JSON_ACCEPT = { 'content-type': 'application/json', accept: 'application/json' }
const sign = (pubkey: string, body: unknown, headers: Record<string, string> = JSON_ACCEPT) =>
  rawRequest(`${s.url}/api/v1/eth2/sign/${pubkey}`, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  })

beforeAll(async () => {
  env = await simulatedEnv()
  dir = mkdtempSync(join(tmpdir(), 'custos-signer-api-'))
  s = await startSigner(env, dir)
  const statuses = await s.service.importKeystores([
    { keystore: await fastKeystore(SECRET), password: 'pw' },
    { keystore: await fastKeystore(SECRET2), password: 'pw' },
  ])
  expect(statuses.map((x) => x.status)).toEqual(['imported', 'imported'])
  pk2 = s.service.publicKeys().find((k) => k !== PK) as string
})

afterAll(async () => {
  await s?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('Web3Signer sign endpoint', () => {
  it('signs every one of the 13 types over the independently computed root', async () => {
    const cases = allTypes(fromHex(PK))
    expect(new Set(cases.map((c) => c.type)).size).toBe(13)
    for (const c of cases) {
      const res = await sign(PK, { ...c.body, signingRoot: hex(c.expected) })
      expect(res.status, c.type).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      const { signature } = res.json() as { signature: string }
      expect(verifies(PK, c.expected, signature), c.type).toBe(true)
    }
  })

  it('answers text/plain without Accept, JSON for */*', async () => {
    const body = { type: 'RANDAO_REVEAL', fork_info: FORK_INFO, randao_reveal: { epoch: '7' } }
    const expected = root(ssz.Epoch.hashTreeRoot(7), cfg.getDomain(SLOT, D(2), 7 * 32))
    const text = await sign(PK, body, { 'content-type': 'application/json' })
    expect(text.status).toBe(200)
    expect(text.headers['content-type']).toMatch(/^text\/plain/)
    expect(text.text).toMatch(/^0x[0-9a-f]{192}$/)
    expect(verifies(PK, expected, text.text)).toBe(true)
    const star = await sign(PK.toUpperCase().replace('0X', '0x'), body, { accept: '*/*' })
    expect((star.json() as { signature: string }).signature).toBe(text.text)
  })

  it('refuses a double block proposal with 412 and no signature; re-signing the same block is allowed', async () => {
    const first = await sign(PK, blockV2(SLOT + 1000, 1))
    expect(first.status).toBe(200)
    const again = await sign(PK, blockV2(SLOT + 1000, 1))
    expect(again.status).toBe(200)
    const double = await sign(PK, blockV2(SLOT + 1000, 2))
    expect(double.status).toBe(412)
    expect(double.text).not.toMatch(/signature|0x[0-9a-f]{192}/)
    expect(double.json()).toEqual({ message: expect.any(String) })
  })

  it('refuses double votes and surround votes with 412', async () => {
    expect((await sign(PK, attestation(100, 110, 1))).status).toBe(200)
    expect((await sign(PK, attestation(100, 110, 2))).status).toBe(412) // double vote
    expect((await sign(PK, attestation(99, 111, 3))).status).toBe(412) // surrounds 100→110
    expect((await sign(PK, attestation(101, 109, 4))).status).toBe(412) // surrounded by 100→110
    expect((await sign(PK, attestation(110, 111, 5))).status).toBe(200)
  })

  it('unknown key → 404, and so is an identifier that is not a hex key (as Web3Signer)', async () => {
    const res = await sign(`0x${'ab'.repeat(48)}`, attestation(1, 2, 1))
    expect(res.status).toBe(404)
    for (const id of ['0x1234', 'not-a-key', `0x${'zz'.repeat(48)}`]) {
      const r = await sign(id, attestation(1, 2, 1))
      expect([id, r.status]).toEqual([id, 404])
      expect(r.json()).toEqual({ message: expect.any(String) })
    }
    expect((await rawRequest(`${s.url}/api/v1/eth2/attestation/nope`, { method: 'GET' })).status).toBe(404)
  })

  it('BLS_TO_EXECUTION_CHANGE as Lodestar sends it: signed over the genesis-fork-version domain, not slashing-checked', async () => {
    const change = {
      validatorIndex: 4242,
      fromBlsPubkey: fromHex(PK),
      toExecutionAddress: new Uint8Array(20).fill(0xee),
    }
    // Lodestar: getDomainAtFork(phase0, DOMAIN_BLS_TO_EXECUTION_CHANGE); mainnet GENESIS_FORK_VERSION = 0x00000000
    const fdr = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: D(0), genesisValidatorsRoot: GVR })
    const expected = root(
      ssz.capella.BLSToExecutionChange.hashTreeRoot(change),
      Uint8Array.from([...D(10), ...fdr.subarray(0, 28)]),
    )
    const body = {
      type: 'BLS_TO_EXECUTION_CHANGE',
      fork_info: FORK_INFO,
      signingRoot: hex(expected),
      BLS_TO_EXECUTION_CHANGE: ssz.capella.BLSToExecutionChange.toJson(change),
    }
    for (let i = 0; i < 2; i++) {
      const res = await sign(PK, body) // twice: no slashing protection for this type
      expect(res.status).toBe(200)
      expect(verifies(PK, expected, (res.json() as { signature: string }).signature)).toBe(true)
    }
    // the key it is sent to must be from_bls_pubkey (the one the chain verifies against)
    const other = await sign(pk2, body)
    expect(other.status).toBe(400)
    expect(other.json()).toEqual({ message: expect.stringContaining('from_bls_pubkey') })
  })

  it('highWatermark: {} until set; then {epoch, slot} strings, enforced with 412 on the worker commits; removable', async () => {
    const hw = async () => (await rawRequest(`${s.url}/api/v1/eth2/highWatermark`, { method: 'GET' })).json()
    expect(await hw()).toEqual({})
    s.service.setHighWatermark({ epoch: 400n, slot: 400n * 32n })
    try {
      expect(await hw()).toEqual({ epoch: '400', slot: '12800' })
      expect((await sign(PK, attestation(398, 399, 1))).status).toBe(200)
      expect((await sign(PK, attestation(399, 400, 1))).status).toBe(412)
      expect((await sign(PK, blockV2(400 * 32, 3))).status).toBe(412)
      expect((await sign(PK, blockV2(400 * 32 - 1, 3))).status).toBe(200)
    } finally {
      s.service.removeHighWatermark()
    }
    expect(await hw()).toEqual({})
    expect((await sign(PK, attestation(399, 400, 1))).status).toBe(200)
  })

  it('a known path with the wrong method is 405 with Allow; an unknown path stays 404', async () => {
    for (const [path, method, allow] of [
      ['/upcheck', 'POST', 'GET, HEAD'],
      ['/api/v1/eth2/publicKeys', 'DELETE', 'GET, HEAD'],
      ['/api/v1/eth2/highWatermark', 'PUT', 'GET, HEAD'],
      ['/healthcheck', 'POST', 'GET, HEAD'],
      ['/reload', 'DELETE', 'GET, POST, HEAD'],
      [`/api/v1/eth2/sign/${PK}`, 'GET', 'POST'],
    ] as const) {
      const r = await rawRequest(`${s.url}${path}`, { method })
      expect([path, method, r.status, r.headers.allow]).toEqual([path, method, 405, allow])
    }
    expect((await rawRequest(`${s.url}/api/v1/eth2/nope`, { method: 'POST' })).status).toBe(404)
  })

  it('bad input → 400 / 413, and nothing is recorded', async () => {
    const base = attestation(200, 210, 9)
    const wrongNet = { ...base, fork_info: { ...FORK_INFO, genesis_validators_root: hex(new Uint8Array(32).fill(7)) } }
    const bad: Array<[string, unknown, number]> = [
      ['other network', wrongNet, 400],
      [
        'short fork version',
        { ...base, fork_info: { ...FORK_INFO, fork: { ...FORK_INFO.fork, current_version: '0x05' } } },
        400,
      ],
      ['missing fork_info', { ...base, fork_info: undefined }, 400],
      ['mismatching signingRoot', { ...base, signingRoot: hex(new Uint8Array(32)) }, 400],
      ['unknown type', { ...base, type: 'NOPE' }, 400],
      ['not JSON', '{"type":', 400],
      ['oversize', JSON.stringify({ ...base, pad: 'x'.repeat(300 * 1024) }), 413],
    ]
    for (const [name, body, status] of bad) {
      const res = await sign(PK, body)
      expect(res.status, name).toBe(status)
      expect(res.text, name).not.toContain('0x0707')
    }
    // without a Content-Length the limit is enforced while reading
    const chunked = await sign(PK, JSON.stringify({ ...base, pad: 'x'.repeat(300 * 1024) }), {
      ...JSON_ACCEPT,
      'transfer-encoding': 'chunked',
    })
    expect(chunked.status).toBe(413)
    expect(chunked.json()).toEqual({ message: 'request body is larger than 262144 bytes' })
    // none of them reached slashing protection: the same attestation, different root, still signs once.
    expect((await sign(PK, attestation(200, 210, 10))).status).toBe(200)
  })

  it('commits slashing records on the worker thread', async () => {
    expect(await s.service.slashingCommits()).toBe('worker')
  })

  it('50 parallel conflicting attestations for one key: exactly one is signed, the rest get 412', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sign(pk2, attestation(300, 301, i + 1))))
    const ok = results.filter((r) => r.status === 200)
    expect(ok).toHaveLength(1)
    expect(results.filter((r) => r.status === 412)).toHaveLength(49)
    winner = results.findIndex((r) => r.status === 200) + 1
    const a = ssz.phase0.AttestationData.fromJson(
      (attestation(300, 301, winner) as { attestation: unknown }).attestation,
    )
    const signingRoot = root(ssz.phase0.AttestationData.hashTreeRoot(a), cfg.getDomain(SLOT, D(1), 301 * 32))
    expect(verifies(pk2, signingRoot, (ok[0]!.json() as { signature: string }).signature)).toBe(true)
    // exactly one record for that target, and it is the winner's root
    // read through a separate connection: the record was committed before the 200 left the server
    const other = new Database(s.store.path, { readonly: true })
    const rows = other
      .prepare(
        `SELECT a.signing_root AS root FROM slashing_signed_attestations a
         JOIN slashing_validators v ON v.id = a.validator_id WHERE v.pubkey = ?`,
      )
      .all(fromHex(pk2)) as Array<{ root: Uint8Array }>
    other.close()
    expect(rows.map((r) => toHex(r.root))).toEqual([toHex(signingRoot)])
  })

  it('publicKeys, highWatermark, upcheck, healthcheck, reload', async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      rawRequest(`${s.url}${path}`, { method: 'GET', headers })
    expect((await get('/api/v1/eth2/publicKeys')).json()).toEqual(expect.arrayContaining([PK, pk2]))
    expect((await get('/api/v1/eth2/highWatermark')).json()).toEqual({})
    const up = await get('/upcheck')
    expect([up.status, up.text, up.headers['content-type']]).toEqual([200, 'OK', expect.stringMatching(/^text\/plain/)])
    expect((await get('/upcheck', { accept: 'application/json' })).json()).toEqual({ status: 'OK' })
    const health = await get('/healthcheck')
    expect(health.status).toBe(200)
    expect(health.json()).toMatchObject({ status: 'UP', outcome: 'UP' })
    // Web3Signer's check ids (core/config/HealthCheckNames.java), keys-check nested as Vert.x renders "a/b"
    const checks = (health.json() as { checks: Array<{ id: string; checks?: Json[] }> }).checks
    expect(checks.map((c) => c.id)).toEqual(['default-check', 'keys-check', 'slashing-protection-db-health-check'])
    expect(checks[1]?.checks).toEqual([
      { id: 'keystores-bulk-loading', status: 'UP', data: { 'keys-loaded': 2, 'error-count': 0 } },
    ])
    expect((await get('/reload')).json()).toEqual({ status: 'idle' })
    const before = Date.now()
    const reload = await rawRequest(`${s.url}/reload`, { method: 'POST' })
    expect(reload.status).toBe(202)
    await new Promise((r) => setTimeout(r, 20))
    const status = (await get('/reload')).json() as { status: string; lastOperationTime: string }
    expect(status).toEqual({ status: 'completed', lastOperationTime: expect.any(String) })
    // ISO-8601 date-time (Web3Signer reload.yaml), not epoch milliseconds
    expect(status.lastOperationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
    expect(Date.parse(status.lastOperationTime)).toBeGreaterThanOrEqual(before - 1000)
    expect((await get('/api/v1/eth2/publicKeys')).json()).toHaveLength(2)
    expect((await get('/nope')).status).toBe(404)
  })

  it('a restart (store closed and reopened) keeps the keys and the slashing records', async () => {
    await s.close()
    s = await startSigner(env, dir)
    expect(s.service.publicKeys().sort()).toEqual([PK, pk2].sort())
    expect((await sign(PK, attestation(100, 110, 2))).status).toBe(412)
    expect((await sign(PK, attestation(100, 110, 1))).status).toBe(200) // same data re-signs
    expect((await sign(PK, blockV2(SLOT + 1000, 2))).status).toBe(412)
    expect((await sign(pk2, attestation(300, 301, winner))).status).toBe(200)
    expect((await sign(pk2, attestation(300, 301, (winner % 50) + 1))).status).toBe(412)
  })
})
