import type { Address, Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, expectRevert, h32 } from '../../test/support/chain.js'
import { type CommitteeMemberInput, deployContract, type LocalCustos, startLocalCustos } from '../devchain/index.js'
import { custosCommitteeAbi } from './abis.js'
import { committeeContract } from './contracts.js'

const CODE = h32(0xc0de)
const member = (lc: LocalCustos, i: number): CommitteeMemberInput => ({
  account: lc.evm.accounts[i]!.address,
  signingPubkey: `0x02${(i + 1).toString(16).padStart(2, '0').repeat(32)}` as Hex,
  url: `https://node${i}.example:8443`,
})

describe('CustosCommittee', () => {
  let lc: LocalCustos
  let address: Address
  const as = (i: number) => committeeContract({ public: lc.evm.publicClient, wallet: lc.evm.wallets[i]! }, address)
  const addr = (i: number) => lc.evm.accounts[i]!.address

  beforeAll(async () => {
    // participants: accounts 0,1,2; threshold 2; one allowed code hash
    lc = await startLocalCustos()
    address = await deployContract(lc.evm.wallets[0]!, lc.artifacts.CustosCommittee, [
      [0, 1, 2].map((i) => member(lc, i)),
      2,
      [CODE],
    ])
  })
  afterAll(() => lc.close())

  it('starts at epoch 0, Running, with ids 0..n-1', async () => {
    const c = as(0)
    expect(await c.read.epochId()).toBe(0n)
    expect(await c.read.threshold()).toBe(2)
    expect(await c.read.state()).toBe(0)
    expect(await c.read.nextEpochId()).toBe(1n)
    const ps = await c.read.participants()
    expect(ps.map((p) => [p.account, p.id, p.url])).toEqual([0, 1, 2].map((i) => [addr(i), i, member(lc, i).url]))
    expect(ps[1]!.signingPubkey).toBe(member(lc, 1).signingPubkey)
    const logs = await lc.evm.publicClient.getContractEvents({ address, abi: custosCommitteeAbi, fromBlock: 0n })
    expect(logs.find((l) => l.eventName === 'EpochStarted')?.args).toEqual({
      epochId: 0n,
      threshold: 2,
      participants: [addr(0), addr(1), addr(2)],
    })
  })

  it('refuses bad parameters at deployment', async () => {
    const three = [0, 1, 2].map((i) => member(lc, i))
    const bad: Array<[CommitteeMemberInput[], number]> = [
      [[], 1],
      [three, 0],
      [three, 4],
      [three, 1], // 2k must exceed n
      [[member(lc, 0), member(lc, 0)], 2],
      [[{ ...member(lc, 0), account: '0x0000000000000000000000000000000000000000' }], 1],
    ]
    for (const [ps, k] of bad) {
      const err = await deployContract(lc.evm.wallets[0]!, lc.artifacts.CustosCommittee, [ps, k, []]).catch((e) => e)
      expect(err.code).toBe('CHAIN_REVERTED')
      expect(err.meta.errorName).toBe('InvalidParameters')
    }
  })

  it('only participants vote, attest or update their URL', async () => {
    const s = as(5)
    const err = await expectRevert(lc.evm, s.write.voteCodeHash([h32(1)]), 'NotParticipant')
    expect(err.meta.args).toContain(addr(5))
    await expectRevert(lc.evm, s.write.voteRemoveCodeHash([CODE]), 'NotParticipant')
    await expectRevert(lc.evm, s.write.voteNewParameters([1n, [member(lc, 5)], 1]), 'NotParticipant')
    await expectRevert(
      lc.evm,
      s.write.submitAttestation([h32(1), CODE, h32(0), h32(0), h32(0), 'UpToDate']),
      'NotParticipant',
    )
    await expectRevert(lc.evm, s.write.voteCancelResharing(), 'NotParticipant')
    await expectRevert(lc.evm, s.write.updateParticipantUrl(['https://evil']), 'NotParticipant')
    expect(await events(lc.evm, custosCommitteeAbi, as(1).write.updateParticipantUrl(['https://n1.new']))).toEqual([
      { eventName: 'ParticipantUrlUpdated', args: { account: addr(1), url: 'https://n1.new' } },
    ])
  })

  it('code hashes: allowed at exactly k votes, duplicate votes refused, removal revokes attestations', async () => {
    const NEW = h32(0xbeef)
    expect(await events(lc.evm, custosCommitteeAbi, as(0).write.voteCodeHash([NEW]))).toEqual([
      { eventName: 'CodeHashVoted', args: { codeHash: NEW, voter: addr(0), add: true, votes: 1n } },
    ])
    await expectRevert(lc.evm, as(0).write.voteCodeHash([NEW]), 'AlreadyVoted')
    expect(await as(0).read.codeHashVotes([NEW, true])).toBe(1n)
    expect(await as(0).read.allowedCodeHashes([NEW])).toBe(false) // k-1 votes: not yet
    await expectRevert(
      lc.evm,
      as(0).write.submitAttestation([h32(7), NEW, h32(0), h32(0), h32(0), 'UpToDate']),
      'CodeHashNotAllowed',
    )
    const evs = await events(lc.evm, custosCommitteeAbi, as(2).write.voteCodeHash([NEW]))
    expect(evs.map((e) => e.eventName)).toEqual(['CodeHashVoted', 'CodeHashAdded'])
    expect(evs[1]!.args).toEqual({ codeHash: NEW })
    expect(await as(0).read.allowedCodeHashes([NEW])).toBe(true)
    await expectRevert(lc.evm, as(1).write.voteCodeHash([NEW]), 'CodeHashAlreadyAllowed')

    // attest with the new measurement
    expect(
      await events(
        lc.evm,
        custosCommitteeAbi,
        as(0).write.submitAttestation([h32(7), NEW, h32(8), h32(9), h32(10), 'UpToDate']),
      ),
    ).toEqual([{ eventName: 'AttestationSubmitted', args: { account: addr(0), digest: h32(7), measurement: NEW } }])
    const a = await as(0).read.attestationOf([addr(0)])
    expect(a).toMatchObject({
      digest: h32(7),
      measurement: NEW,
      osImageHash: h32(8),
      composeHash: h32(9),
      deviceId: h32(10),
      tcbStatus: 'UpToDate',
      epochId: 0n,
    })
    expect(a.submittedAt).toBeGreaterThan(0n)
    expect(await as(0).read.hasValidAttestation([addr(0)])).toBe(true)
    expect(await as(0).read.hasValidAttestation([addr(1)])).toBe(false) // never attested

    // removal: k votes; the attestation is invalid on the next read
    await expectRevert(lc.evm, as(1).write.voteRemoveCodeHash([h32(0x404)]), 'CodeHashNotAllowed')
    await events(lc.evm, custosCommitteeAbi, as(1).write.voteRemoveCodeHash([NEW]))
    await expectRevert(lc.evm, as(1).write.voteRemoveCodeHash([NEW]), 'AlreadyVoted')
    expect(await as(0).read.hasValidAttestation([addr(0)])).toBe(true)
    const rm = await events(lc.evm, custosCommitteeAbi, as(2).write.voteRemoveCodeHash([NEW]))
    expect(rm.map((e) => e.eventName)).toEqual(['CodeHashVoted', 'CodeHashRemoved'])
    expect(await as(0).read.hasValidAttestation([addr(0)])).toBe(false)

    // re-adding starts a fresh vote round (earlier add votes do not count again)
    await events(lc.evm, custosCommitteeAbi, as(0).write.voteCodeHash([NEW]))
    expect(await as(0).read.allowedCodeHashes([NEW])).toBe(false)
    expect(await as(0).read.codeHashVotes([NEW, true])).toBe(1n)
  })

  it('voteNewParameters: stale epochs refused, duplicate votes refused, passes at exactly k, starts resharing', async () => {
    const proposal = [0, 1, 2, 3].map((i) => member(lc, i))
    await expectRevert(lc.evm, as(0).write.voteNewParameters([0n, proposal, 3]), 'WrongEpoch')
    const err = await expectRevert(lc.evm, as(0).write.voteNewParameters([2n, proposal, 3]), 'WrongEpoch')
    expect(err.meta.args).toBe('["1","2"]')
    // fewer than `threshold` current participants would remain
    await expectRevert(
      lc.evm,
      as(0).write.voteNewParameters([1n, [member(lc, 0), member(lc, 4), member(lc, 5)], 2]),
      'InvalidParameters',
    )

    const hash = await as(0).read.proposalHash([proposal, 3])
    expect(await events(lc.evm, custosCommitteeAbi, as(0).write.voteNewParameters([1n, proposal, 3]))).toEqual([
      { eventName: 'ParametersVoted', args: { prospectiveEpochId: 1n, proposalHash: hash, voter: addr(0), votes: 1n } },
    ])
    await expectRevert(lc.evm, as(0).write.voteNewParameters([1n, proposal, 3]), 'AlreadyVoted')
    expect(await as(0).read.parametersVotes([1n, hash])).toBe(1n)
    expect(await as(0).read.state()).toBe(0)

    // a participant may move its vote to another proposal; the first one loses that vote
    const other = [0, 1, 2].map((i) => member(lc, i))
    const otherHash = await as(0).read.proposalHash([other, 3])
    await events(lc.evm, custosCommitteeAbi, as(1).write.voteNewParameters([1n, other, 3]))
    expect(await as(0).read.parametersVotes([1n, otherHash])).toBe(1n)
    const moved = await events(lc.evm, custosCommitteeAbi, as(1).write.voteNewParameters([1n, proposal, 3]))
    expect(moved.map((e) => e.eventName)).toEqual(['ParametersVoted', 'ResharingStarted'])
    expect(moved[0]!.args.votes).toBe(2n)
    expect(await as(0).read.parametersVotes([1n, otherHash])).toBe(0n)

    // vote 2 (= k) was participant 1's moved vote: resharing started
    expect(await as(0).read.state()).toBe(1)
    expect(await as(0).read.prospectiveEpochId()).toBe(1n)
    expect(await as(0).read.prospectiveThreshold()).toBe(3)
    expect(await as(0).read.prospectiveProposalHash()).toBe(hash)
    const pros = await as(0).read.prospectiveParticipants()
    expect(pros.map((p) => [p.account, p.id])).toEqual([0, 1, 2, 3].map((i) => [addr(i), i]))
    const logs = await lc.evm.publicClient.getContractEvents({
      address,
      abi: custosCommitteeAbi,
      eventName: 'ResharingStarted',
      fromBlock: 0n,
    })
    expect(logs.at(-1)?.args).toEqual({
      prospectiveEpochId: 1n,
      proposalHash: hash,
      threshold: 3,
      participants: proposal.map((p) => p.account),
    })
    await expectRevert(lc.evm, as(2).write.voteNewParameters([1n, proposal, 3]), 'NotRunning')
  })

  it('voteReshared: all prospective participants confirm, then the new epoch starts', async () => {
    await expectRevert(lc.evm, as(5).write.voteReshared([1n]), 'NotProspectiveParticipant')
    await expectRevert(lc.evm, as(0).write.voteReshared([2n]), 'WrongEpoch')
    for (const i of [0, 1, 2]) await events(lc.evm, custosCommitteeAbi, as(i).write.voteReshared([1n]))
    await expectRevert(lc.evm, as(0).write.voteReshared([1n]), 'AlreadyVoted')
    expect(await as(0).read.epochId()).toBe(0n)
    // the new member (not yet a participant) cannot vote on governance, but confirms its share
    await expectRevert(lc.evm, as(3).write.voteCodeHash([h32(3)]), 'NotParticipant')
    const evs = await events(lc.evm, custosCommitteeAbi, as(3).write.voteReshared([1n]))
    expect(evs.at(-1)).toEqual({
      eventName: 'EpochStarted',
      args: { epochId: 1n, threshold: 3, participants: [0, 1, 2, 3].map(addr) },
    })
    expect(await as(0).read.epochId()).toBe(1n)
    expect(await as(0).read.threshold()).toBe(3)
    expect(await as(0).read.state()).toBe(0)
    expect(await as(0).read.isParticipant([addr(3)])).toBe(true)
    expect(await as(0).read.nextParticipantId()).toBe(4)
    // votes are per epoch: participant 0's earlier vote for 0xbeef does not carry over
    expect(await as(0).read.codeHashVotes([h32(0xbeef), true])).toBe(0n)
  })

  it('voteCancelResharing: k current participants cancel; the cancelled epoch id is never reused; removed members lose rights', async () => {
    const shrink = [0, 1, 2].map((i) => member(lc, i)) // drop participant 3, threshold 2
    for (const i of [0, 1, 2]) await events(lc.evm, custosCommitteeAbi, as(i).write.voteNewParameters([2n, shrink, 2]))
    expect(await as(0).read.state()).toBe(1)
    await expectRevert(lc.evm, as(0).write.voteNewParameters([2n, shrink, 2]), 'NotRunning')
    await events(lc.evm, custosCommitteeAbi, as(0).write.voteCancelResharing())
    await expectRevert(lc.evm, as(0).write.voteCancelResharing(), 'AlreadyVoted')
    await events(lc.evm, custosCommitteeAbi, as(1).write.voteCancelResharing())
    const evs = await events(lc.evm, custosCommitteeAbi, as(3).write.voteCancelResharing())
    expect(evs.at(-1)).toEqual({ eventName: 'ResharingCancelled', args: { prospectiveEpochId: 2n } })
    expect(await as(0).read.state()).toBe(0)
    expect(await as(0).read.epochId()).toBe(1n)
    expect(await as(0).read.nextEpochId()).toBe(3n)
    await expectRevert(lc.evm, as(0).write.voteNewParameters([2n, shrink, 2]), 'WrongEpoch')

    for (const i of [0, 1, 2]) await events(lc.evm, custosCommitteeAbi, as(i).write.voteNewParameters([3n, shrink, 2]))
    for (const i of [0, 1, 2]) await events(lc.evm, custosCommitteeAbi, as(i).write.voteReshared([3n]))
    expect(await as(0).read.epochId()).toBe(3n)
    expect(await as(0).read.participantCount()).toBe(3n)
    await expectRevert(lc.evm, as(3).write.voteCodeHash([h32(6)]), 'NotParticipant')
    expect(await as(0).read.hasValidAttestation([addr(3)])).toBe(false)
  })
})

describe('CustosCommittee domains and key votes (NEAR vote_add_domains / vote_pk)', () => {
  let lc: LocalCustos
  let address: Address
  const as = (i: number) => committeeContract({ public: lc.evm.publicClient, wallet: lc.evm.wallets[i]! }, address)
  const pkA = `0x${'aa'.repeat(32)}` as Hex
  const pkB = `0x${'bb'.repeat(32)}` as Hex
  const pkC = `0x02${'cc'.repeat(32)}` as Hex
  const specs = [
    { scheme: 0, purpose: 'sign' },
    { scheme: 1, purpose: 'sign' },
  ]

  beforeAll(async () => {
    lc = await startLocalCustos()
    address = await deployContract(lc.evm.wallets[0]!, lc.artifacts.CustosCommittee, [
      [0, 1, 2].map((i) => member(lc, i)),
      2,
      [CODE],
    ])
  })
  afterAll(() => lc.close())

  it('refuses malformed domain lists and key votes outside Initializing', async () => {
    await expectRevert(lc.evm, as(0).write.voteAddDomains([[]]), 'InvalidDomain')
    await expectRevert(lc.evm, as(0).write.voteAddDomains([[{ scheme: 3, purpose: 'x' }]]), 'InvalidDomain')
    await expectRevert(lc.evm, as(0).write.voteAddDomains([[{ scheme: 0, purpose: '' }]]), 'InvalidDomain')
    await expectRevert(lc.evm, as(5).write.voteAddDomains([specs]), 'NotParticipant')
    await expectRevert(lc.evm, as(0).write.votePk([0, 1n, pkA]), 'NotInitializing')
  })

  it('needs every participant for the same list; then generates keys domain by domain', async () => {
    const hash = await as(0).read.domainsProposalHash([specs])
    await events(lc.evm, custosCommitteeAbi, as(0).write.voteAddDomains([specs]))
    await expectRevert(lc.evm, as(0).write.voteAddDomains([specs]), 'AlreadyVoted')
    await events(lc.evm, custosCommitteeAbi, as(1).write.voteAddDomains([specs]))
    expect(await as(0).read.domainsVotes([hash])).toBe(2n)
    expect(await as(0).read.state()).toBe(0) // 2 of 3 is not enough: every participant must agree
    const evs = await events(lc.evm, custosCommitteeAbi, as(2).write.voteAddDomains([specs]))
    expect(evs.at(-1)).toEqual({ eventName: 'DomainsAdded', args: { firstDomainId: 0, count: 2 } })
    expect(await as(0).read.state()).toBe(2)
    expect((await as(0).read.keygenDomain()).id).toBe(0)
    // no resharing while keys are being generated
    await expectRevert(
      lc.evm,
      as(0).write.voteNewParameters([1n, [0, 1, 2].map((i) => member(lc, i)), 2]),
      'NotRunning',
    )

    await expectRevert(lc.evm, as(0).write.votePk([1, 1n, pkA]), 'WrongDomain')
    // attempt 1: node 2 computed a different key, so attempt 1 never completes
    await events(lc.evm, custosCommitteeAbi, as(0).write.votePk([0, 1n, pkA]))
    await expectRevert(lc.evm, as(0).write.votePk([0, 1n, pkB]), 'AlreadyVoted')
    await events(lc.evm, custosCommitteeAbi, as(1).write.votePk([0, 1n, pkA]))
    await events(lc.evm, custosCommitteeAbi, as(2).write.votePk([0, 1n, pkB]))
    expect(await as(0).read.state()).toBe(2)
    // attempt 2 agrees
    for (const i of [0, 1]) await events(lc.evm, custosCommitteeAbi, as(i).write.votePk([0, 2n, pkB]))
    const done = await events(lc.evm, custosCommitteeAbi, as(2).write.votePk([0, 2n, pkB]))
    expect(done.at(-1)).toEqual({
      eventName: 'DomainKeyGenerated',
      args: { domainId: 0, attemptId: 2n, publicKey: pkB },
    })
    expect((await as(0).read.keygenDomain()).id).toBe(1)
    for (const i of [0, 1, 2]) await events(lc.evm, custosCommitteeAbi, as(i).write.votePk([1, 1n, pkC]))
    expect(await as(0).read.state()).toBe(0)
    await expectRevert(lc.evm, as(0).write.votePk([1, 2n, pkC]), 'NotInitializing')
    const ds = await as(0).read.domains()
    expect(ds.map((d) => [d.id, d.scheme, d.purpose, d.publicKey])).toEqual([
      [0, 0, 'sign', pkB],
      [1, 1, 'sign', pkC],
    ])
  })

  it('a later identical list is a new proposal (old votes do not count)', async () => {
    const hash = await as(0).read.domainsProposalHash([specs])
    expect(await as(0).read.domainsVotes([hash])).toBe(0n)
    await events(lc.evm, custosCommitteeAbi, as(0).write.voteAddDomains([specs]))
    expect(await as(0).read.domainsVotes([hash])).toBe(1n)
    expect(await as(0).read.state()).toBe(0)
  })
})
