import type { Address, Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { committeeContract, confirmTx } from '../chain/index.js'
import { type CommitteeMemberInput, deployContract, type LocalCustos, startLocalCustos } from '../devchain/index.js'
import { memoryLogger } from '../log.js'
import { type CommitteeEvent, readCommittee, watchCommittee } from './evmCommitteeWatcher.js'
import { EvmPolicy } from './evmPolicy.js'

let lc: LocalCustos
let address: Address
const member = (i: number): CommitteeMemberInput => ({
  account: lc.evm.accounts[i]!.address,
  signingPubkey: `0x02${(i + 1).toString(16).padStart(2, '0').repeat(32)}` as Hex,
  url: `https://node${i}.example:8443`,
})
const as = (i: number) => committeeContract({ public: lc.evm.publicClient, wallet: lc.evm.wallets[i]! }, address)
const send = (p: Promise<Hex>) => confirmTx(lc.evm.publicClient, p)

beforeAll(async () => {
  lc = await startLocalCustos()
  address = await deployContract(lc.evm.wallets[0]!, lc.artifacts.CustosCommittee, [[0, 1, 2].map(member), 2, []])
}, 60_000)
afterAll(() => lc?.close())

describe('committee watcher', () => {
  it('reads the committee and reports resharing and the new epoch after a vote passes', async () => {
    const c0 = await readCommittee({ client: lc.evm.publicClient, address })
    expect(c0).toMatchObject({ epochId: 0n, threshold: 2, state: 'running' })
    expect(c0.participants.map((p) => [p.account, p.id])).toEqual([0, 1, 2].map((i) => [member(i).account, i]))

    const seen: CommitteeEvent[] = []
    const w = watchCommittee({
      client: lc.evm.publicClient,
      address,
      onEpoch: (e) => seen.push(e),
      onResharing: (e) => seen.push(e),
      pollIntervalMs: 60_000,
    })
    try {
      await w.poll()
      expect(seen).toEqual([]) // starts after the current head: epoch 0 is not re-reported
      const next = [0, 1, 2, 3].map(member)
      await send(as(0).write.voteNewParameters([1n, next, 3]))
      await send(as(1).write.voteNewParameters([1n, next, 3]))
      await w.poll()
      expect(seen).toMatchObject([{ kind: 'resharing', prospectiveEpochId: 1n, threshold: 3 }])
      const mid = await readCommittee({ client: lc.evm.publicClient, address })
      expect(mid.state).toBe('resharing')
      expect(mid.prospective).toMatchObject({ epochId: 1n, threshold: 3 })
      expect(mid.prospective!.participants).toHaveLength(4)
      for (const i of [0, 1, 2, 3]) await send(as(i).write.voteReshared([1n]))
      await w.poll()
      expect(seen).toHaveLength(2)
      expect(seen[1]).toMatchObject({
        kind: 'epoch',
        epochId: 1n,
        threshold: 3,
        participants: [0, 1, 2, 3].map((i) => member(i).account),
      })
      await w.poll()
      expect(seen).toHaveLength(2) // each event once
      const c1 = await readCommittee({ client: lc.evm.publicClient, address })
      expect(c1).toMatchObject({ epochId: 1n, threshold: 3, state: 'running' })
      expect(c1.prospective).toBeUndefined()
    } finally {
      w.stop()
    }
  })

  it('replays from a given block and keeps its position when a poll fails', async () => {
    const seen: CommitteeEvent[] = []
    const errors: unknown[] = []
    let fail = false
    const client = {
      ...lc.evm.publicClient,
      request: (a: Parameters<typeof lc.evm.request>[0]) =>
        fail ? Promise.reject(new Error('down')) : lc.evm.request(a),
    } as unknown as typeof lc.evm.publicClient
    fail = true
    const w = watchCommittee({
      client,
      address,
      fromBlock: 0n,
      onEpoch: (e) => seen.push(e),
      onError: (e) => errors.push(e),
      pollIntervalMs: 60_000,
    })
    try {
      await w.poll()
      expect(errors.length).toBeGreaterThan(0)
      expect(seen).toEqual([])
      fail = false
      await w.poll()
      expect(seen.map((e) => e.kind === 'epoch' && e.epochId)).toEqual([0n, 1n])
    } finally {
      w.stop()
    }
  })

  it('the evm policy logs the current epoch and every new one when a committee is configured', async () => {
    const log = memoryLogger()
    const events: CommitteeEvent[] = []
    const p = new EvmPolicy({
      rpcUrl: 'http://127.0.0.1:9/',
      chainId: 31337,
      kmsContract: lc.addresses.kms,
      committeeContract: address,
      client: lc.evm.publicClient as never,
      committeePollMs: 20,
      logger: log,
      onCommitteeEvent: (e) => events.push(e),
    })
    try {
      const next = [0, 1, 2].map(member)
      await until(() => log.entries.some((e) => e.msg === 'committee: current epoch'))
      expect(log.entries.find((e) => e.msg === 'committee: current epoch')?.obj).toMatchObject({ epochId: '1' })
      // shrink back to 3 members, threshold 2: needs 3 votes at threshold 3
      for (const i of [0, 1, 2]) await send(as(i).write.voteNewParameters([2n, next, 2]))
      for (const i of [0, 1, 2]) await send(as(i).write.voteReshared([2n]))
      await until(() => events.some((e) => e.kind === 'epoch'))
      expect(events.map((e) => e.kind)).toEqual(['resharing', 'epoch'])
      const entry = log.entries.find((e) => e.msg === 'committee: new epoch')
      expect(entry?.obj).toMatchObject({ epochId: '2', threshold: 2 })
      expect((await p.committee()).epochId).toBe(2n)
    } finally {
      await p.close()
    }
  })

  it('reports added domains and voted domain keys; readCommittee shows initializing and the keys', async () => {
    const seen: CommitteeEvent[] = []
    const w = watchCommittee({
      client: lc.evm.publicClient,
      address,
      onEpoch: (e) => seen.push(e),
      onDomains: (e) => seen.push(e),
      pollIntervalMs: 60_000,
    })
    try {
      await w.poll()
      const specs = [{ scheme: 0, purpose: 'sign' }]
      const ids = (await readCommittee({ client: lc.evm.publicClient, address })).participants.map((p) => p.id)
      expect(ids).toEqual([0, 1, 2])
      for (const i of [0, 1, 2]) await send(as(i).write.voteAddDomains([specs]))
      const mid = await readCommittee({ client: lc.evm.publicClient, address })
      expect(mid).toMatchObject({ state: 'initializing', keygenDomainId: 0 })
      expect(mid.domains).toEqual([{ id: 0, scheme: 0, purpose: 'sign', publicKey: '0x' }])
      const pk = `0x${'ab'.repeat(32)}` as Hex
      for (const i of [0, 1, 2]) await send(as(i).write.votePk([0, 7n, pk]))
      await w.poll()
      expect(seen).toMatchObject([
        { kind: 'domains-added', firstDomainId: 0, count: 1 },
        { kind: 'domain-key', domainId: 0, attemptId: 7n, publicKey: pk },
      ])
      const after = await readCommittee({ client: lc.evm.publicClient, address })
      expect(after.state).toBe('running')
      expect(after.keygenDomainId).toBeUndefined()
      expect(after.domains[0]?.publicKey).toBe(pk)
    } finally {
      w.stop()
    }
  })
})

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}
