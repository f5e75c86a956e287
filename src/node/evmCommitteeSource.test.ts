/**
 * The evm committee source against the real CustosCommittee on an in-process EVM served over loopback HTTP: the
 * votes a member sends after a DKG (in the contract's domain order) and a resharing, and the ones it holds back.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CommitteeChain, closeCommitteeChain, deployCommitteeChain } from '../../test/support/committeeChain.js'
import { type CommitteeMemberInput, DEV_PRIVATE_KEYS, type LocalCustos, startLocalCustos } from '../devchain/index.js'
import { memoryLogger } from '../log.js'
import type { CommitteeState } from '../policy/index.js'
import { readAccountKeyFile } from './accountKeyFile.js'
import { decideVote, EvmCommitteeSource, type PendingVote } from './evmCommitteeSource.js'

let lc: LocalCustos
/** CustosCommittee(members 1..3, t = 2) on lc's EVM, served over HTTP */
let chain: CommitteeChain
const dir = mkdtempSync(join(tmpdir(), 'custos-evm-source-'))
const ACCOUNTS = [1, 2, 3]
const member = (i: number): CommitteeMemberInput => ({
  account: lc.evm.accounts[i]!.address,
  signingPubkey: `0x${(0xa0 + i).toString(16).repeat(32)}` as Hex,
  url: `https://127.0.0.1:${7100 + i}`,
})
const as = (i: number) => chain.as(i)
const send = (p: Promise<Hex>) => chain.send(p)
const PK0 = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const PK1 = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : i))

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  lc = await startLocalCustos()
  chain = await deployCommitteeChain(lc, ACCOUNTS.map(member), 2)
}, 60_000)
afterAll(async () => {
  await closeCommitteeChain(chain, lc)
  rmSync(dir, { recursive: true, force: true })
})

describe('decideVote', () => {
  const s = (over: Partial<CommitteeState>): CommitteeState => ({
    blockNumber: 1n,
    epochId: 0n,
    threshold: 2,
    state: 'initializing',
    keygenDomainId: 0,
    participants: [{ account: '0x00000000000000000000000000000000000000aa', id: 0, signingPubkey: '0x', url: '' }],
    domains: [
      { id: 0, scheme: 0, purpose: 'sign', publicKey: '0x' },
      { id: 1, scheme: 0, purpose: 'sign', publicKey: '0x' },
    ],
    ...over,
  })
  const me = '0x00000000000000000000000000000000000000AA'
  const pk = (domainId: number, epoch = 0n, publicKey = PK0): PendingVote => ({
    kind: 'pk',
    epoch,
    domainId,
    attemptId: 7n,
    publicKey,
  })

  it('votePk only for the domain being generated, in this epoch, by a participant; later domains wait', () => {
    expect(decideVote(s({}), me, pk(0))).toEqual({ action: 'send' })
    expect(decideVote(s({}), me, pk(1)).action).toBe('wait')
    expect(decideVote(s({ keygenDomainId: 1 }), me, pk(0))).toMatchObject({ action: 'drop', level: 'warn' })
    expect(decideVote(s({ state: 'running' }), me, pk(0))).toMatchObject({ action: 'drop', why: /running/ })
    expect(decideVote(s({ epochId: 1n }), me, pk(0))).toMatchObject({ action: 'drop', why: /epoch 0.*epoch 1/ })
    expect(decideVote(s({}), '0x00000000000000000000000000000000000000bb', pk(0))).toMatchObject({
      action: 'drop',
      why: /not a participant/,
    })
    const recorded = s({ domains: [{ id: 0, scheme: 0, purpose: 'sign', publicKey: `0x${'01'.repeat(32)}` as Hex }] })
    expect(
      decideVote(
        recorded,
        me,
        pk(
          0,
          0n,
          Uint8Array.from({ length: 32 }, () => 1),
        ),
      ),
    ).toMatchObject({
      action: 'drop',
      level: 'info',
    })
    expect(decideVote(recorded, me, pk(0))).toMatchObject({ action: 'drop', level: 'error', why: /another key/ })
    expect(decideVote(s({}), me, pk(9))).toMatchObject({ action: 'drop', why: /no domain 9/ })
  })

  it('voteReshared only while resharing to that epoch, by a prospective participant', () => {
    const participants = s({}).participants
    const resharing = s({ state: 'resharing', prospective: { epochId: 1n, threshold: 2, participants } })
    expect(decideVote(resharing, me, { kind: 'reshared', epoch: 1n })).toEqual({ action: 'send' })
    expect(decideVote(resharing, me, { kind: 'reshared', epoch: 2n }).action).toBe('drop')
    expect(
      decideVote({ ...resharing, prospective: { epochId: 1n, threshold: 2, participants: [] } }, me, {
        kind: 'reshared',
        epoch: 1n,
      }),
    ).toMatchObject({ action: 'drop', why: /not a participant of epoch 1/ })
    expect(decideVote(s({ state: 'running', epochId: 1n }), me, { kind: 'reshared', epoch: 1n })).toMatchObject({
      action: 'drop',
      level: 'info',
    })
  })
})

describe('account key file', () => {
  it('reads a 0600 hex key and refuses one group/others can read, or malformed content', () => {
    const file = join(dir, 'key')
    writeFileSync(file, `${DEV_PRIVATE_KEYS[1]}\n`, { mode: 0o600 })
    expect(readAccountKeyFile(file)).toBe(DEV_PRIVATE_KEYS[1])
    chmodSync(file, 0o640)
    expect(() => readAccountKeyFile(file)).toThrow(/chmod 600/)
    writeFileSync(join(dir, 'bad'), 'nothex', { mode: 0o600 })
    expect(() => readAccountKeyFile(join(dir, 'bad'))).toThrow(/64 hex digits/)
    expect(() => readAccountKeyFile(join(dir, 'missing'))).toThrow(/COMMITTEE_SOURCE_KEY_FILE.*cannot read/)
  })
})

describe('EvmCommitteeSource on the real contract', () => {
  const sources: EvmCommitteeSource[] = []
  const logs = ACCOUNTS.map(() => memoryLogger())
  const states: CommitteeState[][] = ACCOUNTS.map(() => [])
  afterAll(async () => {
    for (const s of sources) await s.close()
  })

  it('opens (chain id, deployed contract) and reads the committee as this account', async () => {
    for (const [k, i] of ACCOUNTS.entries()) {
      const src = await EvmCommitteeSource.open({
        rpcUrl: chain.rpc.url,
        chainId: 31337,
        address: chain.address,
        accountKey: DEV_PRIVATE_KEYS[i]!,
        pollIntervalMs: 100,
        logger: logs[k]!,
      })
      sources.push(src)
      expect(src.account).toBe(lc.evm.accounts[i]!.address)
      const s = await src.read()
      src.follow(s, async (x) => {
        states[k]!.push(x)
      })
    }
    await expect(
      EvmCommitteeSource.open({
        rpcUrl: chain.rpc.url,
        chainId: 1,
        address: chain.address,
        accountKey: DEV_PRIVATE_KEYS[1]!,
        pollIntervalMs: 100,
        logger: memoryLogger(),
      }),
    ).rejects.toMatchObject({ code: 'CHAIN_WRONG_CHAIN_ID' })
  })

  it('a key voted while the contract is Running is not sent', async () => {
    await sources[0]!.keysActivated({
      epoch: 0n,
      kind: 'dkg',
      attemptId: 1n,
      domains: [{ id: 0, scheme: 'Ed25519', publicKey: PK0 }],
    })
    expect(logs[0]!.entries.find((e) => e.msg === 'committee: vote not sent')?.obj).toMatchObject({
      vote: 'votePk',
      why: 'the contract has no domain 0',
    })
  })

  it('after a DKG of two domains each member votes both keys, in the order the contract generates them', async () => {
    const specs = [
      { scheme: 0, purpose: 'sign' },
      { scheme: 1, purpose: 'sign' },
    ]
    for (const i of ACCOUNTS) await send(as(i).write.voteAddDomains([specs]))
    const event = (attemptId: bigint) => ({
      epoch: 0n,
      kind: 'dkg' as const,
      attemptId,
      domains: [
        { id: 1, scheme: 'Secp256k1Frost' as const, publicKey: PK1 },
        { id: 0, scheme: 'Ed25519' as const, publicKey: PK0 },
      ],
    })
    await Promise.all(sources.map((s) => s.keysActivated(event(42n))))
    const c = as(0)
    await until('both keys recorded', async () => ((await c.read.state()) === 0 ? true : undefined))
    const domains = await c.read.domains()
    expect(domains.map((d) => d.publicKey)).toEqual([
      `0x${Buffer.from(PK0).toString('hex')}`,
      `0x${Buffer.from(PK1).toString('hex')}`,
    ])
    for (const l of logs) {
      const sent = l.entries
        .filter((e) => e.msg === 'committee: vote sent')
        .map((e) => (e.obj as { domain: number }).domain)
      expect(sent).toEqual([0, 1])
    }
    // every event made the node re-read the whole state
    await until('the members saw it', async () =>
      states.every((x) => x.at(-1)?.state === 'running') ? true : undefined,
    )
  })

  it('after a resharing every prospective member confirms it; the new epoch starts', async () => {
    const next = ACCOUNTS.map(member)
    await send(as(1).write.voteNewParameters([1n, next, 2]))
    await send(as(2).write.voteNewParameters([1n, next, 2]))
    expect(await as(0).read.state()).toBe(1)
    await Promise.all(sources.map((s) => s.keysActivated({ epoch: 1n, kind: 'reshare', attemptId: 5n, domains: [] })))
    await until('epoch 1', async () => ((await as(0).read.epochId()) === 1n ? true : undefined))
    expect(await as(0).read.state()).toBe(0)
    // a late duplicate (the epoch already started) is not sent
    await sources[0]!.keysActivated({ epoch: 1n, kind: 'reshare', attemptId: 5n, domains: [] })
    expect(logs[0]!.entries.filter((e) => e.msg === 'committee: vote sent')).toHaveLength(3)
  })
})
