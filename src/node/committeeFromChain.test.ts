import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { toHex } from '../crypto/index.js'
import type { CommitteeState } from '../policy/index.js'
import { committeeFingerprint, committeeFromChain, participantIdOf } from './committeeFromChain.js'

const account = (i: number) => `0x${(i + 1).toString(16).padStart(2, '0').repeat(20)}` as Address
const nodeKey = (i: number) => `0x${(0xa0 + i).toString(16).repeat(32)}` as Hex
const member = (i: number, id = i) => ({
  account: account(i),
  id,
  signingPubkey: nodeKey(i),
  url: `https://127.0.0.1:${7100 + i}`,
})
const ED_KEY = `0x${'5a'.repeat(32)}` as Hex

function state(over: Partial<CommitteeState> = {}): CommitteeState {
  return {
    blockNumber: 10n,
    epochId: 3n,
    threshold: 2,
    state: 'running',
    participants: [0, 1, 2].map((i) => member(i)),
    domains: [
      { id: 0, scheme: 0, purpose: 'sign', publicKey: ED_KEY },
      { id: 1, scheme: 1, purpose: 'Sign', publicKey: '0x' },
      { id: 2, scheme: 2, purpose: 'sign', publicKey: '0x' },
    ],
    ...over,
  }
}

describe('committeeFromChain', () => {
  it('maps the current epoch: ids, node keys, URLs, schemes, and the keys already voted', () => {
    const c = committeeFromChain(state())
    expect(c.resharing).toBe(false)
    expect(c.committee.epoch).toBe(3n)
    expect(c.committee.threshold).toBe(2)
    expect(c.committee.participants.map((p) => [p.id, toHex(p.nodeKey), p.url])).toEqual(
      [0, 1, 2].map((i) => [i, nodeKey(i).slice(2), `https://127.0.0.1:${7100 + i}`]),
    )
    expect(c.committee.domains.map((d) => [d.id, d.scheme, d.purpose])).toEqual([
      [0, 'Ed25519', 'Sign'],
      [1, 'Secp256k1Frost', 'Sign'],
      [2, 'Bip340', 'Sign'],
    ])
    expect(toHex(c.committee.domains[0]!.publicKey!)).toBe(ED_KEY.slice(2))
    expect(c.committee.domains[1]!.publicKey).toBeUndefined()
    // accounts are matched whatever their case (the contract returns checksummed addresses)
    expect(participantIdOf(c, account(2).toUpperCase().replace('0X', '0x'))).toBe(2)
    expect(participantIdOf(c, account(7))).toBeUndefined()
  })

  it('while resharing, runs the prospective epoch: its members (a joiner with a new id) and threshold', () => {
    const c = committeeFromChain(
      state({
        state: 'resharing',
        prospective: { epochId: 4n, threshold: 3, participants: [member(0), member(1), member(3, 5), member(2)] },
      }),
    )
    expect(c.resharing).toBe(true)
    expect(c.committee.epoch).toBe(4n)
    expect(c.committee.threshold).toBe(3)
    expect(c.committee.participants.map((p) => p.id)).toEqual([0, 1, 2, 5])
    expect(participantIdOf(c, account(3))).toBe(5)
    expect(c.committee.domains).toHaveLength(3)
  })

  it('refuses a state that is not a usable committee, saying what is wrong', () => {
    const bad: Array<[Partial<CommitteeState>, RegExp]> = [
      [
        { participants: [member(0), { ...member(1), signingPubkey: `0x02${'11'.repeat(32)}` }] },
        /33 bytes, not a 32-byte Ed25519 node key/,
      ],
      [{ participants: [member(0), { ...member(1), url: 'http://node1:80' }] }, /not https:\/\/host:port/],
      [{ domains: [{ id: 0, scheme: 3, purpose: 'sign', publicKey: '0x' }] }, /unknown scheme 3/],
      [{ domains: [{ id: 0, scheme: 0, purpose: 'ckd', publicKey: '0x' }] }, /only "sign" is supported/],
      [{ threshold: 4 }, /threshold exceeds/],
      [{ threshold: 1, participants: [member(0)] }, /not a usable committee/],
      [{ state: 'resharing' }, /no prospective epoch/],
    ]
    for (const [over, msg] of bad) {
      let err: unknown
      try {
        committeeFromChain(state(over))
      } catch (e) {
        err = e
      }
      expect(err, String(msg)).toMatchObject({ code: 'COMMITTEE_SOURCE_INVALID', message: expect.stringMatching(msg) })
    }
  })

  it('the fingerprint changes with the epoch, members and domain set, not with a voted key', () => {
    const base = committeeFingerprint(committeeFromChain(state()).committee)
    const keyed = state({ domains: state().domains.map((d) => ({ ...d, publicKey: ED_KEY })) })
    expect(committeeFingerprint(committeeFromChain(keyed).committee)).toBe(base)
    const changed: Array<Partial<CommitteeState>> = [
      { epochId: 4n },
      { threshold: 3 },
      { participants: [member(0), member(1), { ...member(2), url: 'https://127.0.0.1:9999' }] },
      { domains: state().domains.slice(0, 2) },
    ]
    for (const over of changed) expect(committeeFingerprint(committeeFromChain(state(over)).committee)).not.toBe(base)
  })
})
