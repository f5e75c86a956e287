import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { deriveTweak } from '../derive/tweak.js'
import { aggregate } from '../frost/aggregate.js'
import { commit } from '../frost/commit.js'
import { signingPublicKey } from '../frost/derivedPackage.js'
import type { KeyShare } from '../frost/keyPackage.js'
import { signShare } from '../frost/signShare.js'
import { verifySignature } from '../frost/verifySignature.js'
import { suiteFor } from '../suites.js'
import { dkgSessions, type Envelope, forgedRound1, runNetwork, seededRng } from '../testKit.js'
import type { ParticipantId, SchemeId } from '../types.js'
import {
  decodeRound1,
  decodeShare,
  encodeEcho,
  encodeRound1,
  encodeShare,
  encodeStatus,
  type Round1Message,
} from './messages.js'
import { DKG_ROUNDS, type DkgOutcome } from './types.js'

const IDS = [0, 1, 2, 3, 4]
const done = (o: DkgOutcome | undefined) => {
  if (o?.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(o)}`)
  return o
}

function signAndVerify(scheme: SchemeId, shares: KeyShare[], tweak?: Uint8Array): boolean {
  const msg = utf8ToBytes('after dkg')
  const rng = seededRng('sign-after-dkg')
  const c = shares.map((s) => commit(s, rng))
  const list = c.map((x) => x.commitment)
  const sigShares = new Map(
    shares.map((s, i) => [s.participant, signShare(s, c[i]!.nonces, list, msg, tweak)] as const),
  )
  const pkg = shares[0]!.package
  const out = aggregate(pkg, list, msg, sigShares, tweak)
  return out.ok && verifySignature(scheme, signingPublicKey(pkg, tweak), msg, out.signature)
}

describe.each(['Ed25519', 'Secp256k1Frost', 'Bip340'] as const)('DKG 3-of-5, %s', (scheme) => {
  it('every member ends with the same group key, verifying shares and transcript; t members sign', () => {
    const { sessions } = dkgSessions({ scheme, ids: IDS, threshold: 3, seed: `dkg-${scheme}` })
    const run = runNetwork(sessions, { shuffle: seededRng(`order-${scheme}`) })
    expect(run.refused).toEqual([])
    const outs = IDS.map((id) => done(run.outcomes.get(id)))
    const first = outs[0]!
    for (const o of outs) {
      expect(o.groupPublicKey).toEqual(first.groupPublicKey)
      expect([...o.verifyingShares]).toEqual([...first.verifyingShares])
      expect(o.transcriptHash).toEqual(first.transcriptHash)
      expect(o.keyShare.signingShare).toBe(o.myShare)
    }
    // the shares are those of one secret: any 3 interpolate to the group key
    const suite = suiteFor(scheme)
    const combined = suite.frost.combineSecret(
      [0, 2, 4].map((i) => ({ identifier: suite.identifier(i), signingShare: outs[i]!.myShare.expose() })),
      { min: 3, max: 5 },
    )
    expect(suite.encodePoint(suite.BASE.multiply(suite.Fn.fromBytes(combined)))).toEqual(first.groupPublicKey)
    expect(signAndVerify(scheme, [outs[1]!.keyShare, outs[3]!.keyShare, outs[4]!.keyShare])).toBe(true)
    expect(
      signAndVerify(scheme, [outs[0]!.keyShare, outs[2]!.keyShare, outs[4]!.keyShare], deriveTweak('a.near', 'p')),
    ).toBe(true)
  })
})

describe('DKG faults', () => {
  const scheme: SchemeId = 'Ed25519'

  /** sessions that remember every statement a member signed (the share is its last 32 bytes) */
  function setup(seed: string, threshold = 3, ids = IDS) {
    const signed: Uint8Array[] = []
    const s = dkgSessions({ scheme, ids, threshold, seed, onSign: (_me, st) => signed.push(st) })
    /** the dealer re-signs the statement for a share it alters */
    const resign = (dealer: ParticipantId, original: Uint8Array, altered: Uint8Array) => {
      const st = signed.find((x) => bytesToHex(x.subarray(-32)) === bytesToHex(original))!
      return ed25519.sign(Uint8Array.of(...st.subarray(0, -32), ...altered), s.keys.get(dealer)!.secret)
    }
    return { ...s, resign }
  }

  it('a dealer who sends one bad (signed) share is proven by the complaint and excluded: restart without it', () => {
    const { sessions, resign } = setup('bad-share')
    const tamper = (e: Envelope): Uint8Array | null => {
      if (e.from !== 3 || e.to !== 1 || e.round !== DKG_ROUNDS.share) return e.payload
      const m = decodeShare(scheme, e.payload)
      const suite = suiteFor(scheme)
      const share = suite.Fn.toBytes(suite.Fn.add(suite.Fn.fromBytes(m.share), 1n))
      return encodeShare(scheme, { ...m, share, signature: resign(3, m.share, share) })
    }
    const run = runNetwork(sessions, { tamper })
    expect(run.refused).toEqual([])
    for (const id of IDS)
      expect(run.outcomes.get(id)).toEqual({
        kind: 'restart',
        exclude: [3],
        findings: [{ participant: 3, fault: 'bad-share' }],
      })
  })

  it('a member who complains about a valid share is the one excluded', () => {
    const { sessions } = setup('false-complaint')
    const got = new Map<ParticipantId, Uint8Array>()
    const tamper = (e: Envelope): Uint8Array | null => {
      if (e.round === DKG_ROUNDS.share && e.to === 2 && e.from === 0) got.set(0, e.payload)
      if (e.round === DKG_ROUNDS.status && e.from === 2) {
        const m = decodeShare(scheme, got.get(0)!)
        return encodeStatus(scheme, { sender: 2, complaints: [{ dealer: 0, share: m.share, signature: m.signature }] })
      }
      return e.payload
    }
    const run = runNetwork(sessions, { tamper })
    for (const id of IDS.filter((i) => i !== 2))
      expect(run.outcomes.get(id)).toEqual({
        kind: 'restart',
        exclude: [2],
        findings: [{ participant: 2, fault: 'false-complaint' }],
      })
  })

  it('a complaint with a share the dealer never signed convicts the complainer', () => {
    const { sessions } = setup('forged-complaint')
    const tamper = (e: Envelope): Uint8Array | null =>
      e.round === DKG_ROUNDS.status && e.from === 4
        ? encodeStatus(scheme, {
            sender: 4,
            complaints: [{ dealer: 1, share: new Uint8Array(32).fill(9), signature: new Uint8Array(64).fill(1) }],
          })
        : e.payload
    const run = runNetwork(sessions, { tamper })
    expect(run.outcomes.get(0)).toMatchObject({ kind: 'restart', exclude: [4] })
  })

  it('a dealer who shows different round-1 packages to different members causes a split-view abort; no share is dealt', () => {
    const { sessions } = setup('split-view')
    const other = dkgSessions({ scheme, ids: IDS, threshold: 3, seed: 'split-view-other' })
    const alt = other.sessions.get(1)!.start()[0]!.payload
    const dealt: Envelope[] = []
    const tamper = (e: Envelope): Uint8Array | null => {
      if (e.round === DKG_ROUNDS.share) dealt.push(e)
      return e.round === DKG_ROUNDS.round1 && e.from === 1 && (e.to === 3 || e.to === 4) ? alt : e.payload
    }
    const run = runNetwork(sessions, { tamper })
    expect(dealt).toEqual([])
    expect(run.outcomes.get(0)).toMatchObject({ kind: 'abort', reason: 'split-view', disagreeing: [3, 4] })
    expect(run.outcomes.get(3)).toMatchObject({ kind: 'abort', reason: 'split-view', disagreeing: [0, 1, 2] })
  })

  it('a round-1 package with a bad proof of knowledge excludes its dealer; too few left aborts', () => {
    const badProof = (m: Round1Message) => {
      const proof = Uint8Array.from(m.proofOfKnowledge)
      proof[5]! ^= 1
      return { ...m, proofOfKnowledge: proof }
    }
    const a = setup('bad-pok')
    const runA = runNetwork(a.sessions, { tamper: forgedRound1(a.context, scheme, 2, badProof) })
    for (const id of [0, 1, 3, 4])
      expect(runA.outcomes.get(id)).toEqual({
        kind: 'restart',
        exclude: [2],
        findings: [{ participant: 2, fault: 'bad-round1' }],
      })
    const b = setup('bad-pok-3', 3, [0, 1, 2])
    const runB = runNetwork(b.sessions, { tamper: forgedRound1(b.context, scheme, 2, badProof) })
    expect(runB.outcomes.get(0)).toMatchObject({ kind: 'abort', reason: 'too-few-remain', culprits: [2] })
  })

  it('a dealer whose packet is altered in transit only is a split view, not a bad package', () => {
    const { sessions } = setup('altered-in-transit')
    const tamper = (e: Envelope) => {
      if (e.round !== DKG_ROUNDS.round1 || e.from !== 2) return e.payload
      const m = decodeRound1(scheme, e.payload)
      const proof = Uint8Array.from(m.proofOfKnowledge)
      proof[5]! ^= 1
      return encodeRound1(scheme, { ...m, proofOfKnowledge: proof })
    }
    const run = runNetwork(sessions, { tamper })
    expect(run.outcomes.get(0)).toMatchObject({ kind: 'abort', reason: 'split-view', disagreeing: [2] })
  })

  it('refuses malformed, foreign, conflicting and badly signed messages and keeps going', () => {
    const { sessions } = setup('refusals')
    const s0 = sessions.get(0)!
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as { code?: string }).code
      }
      return 'accepted'
    }
    s0.start()
    const s1 = sessions.get(1)!
    const r1 = s1.start()[0]!.payload
    expect(code(() => s0.receive(1, DKG_ROUNDS.round1, r1.subarray(0, r1.length - 1)))).toBe('MPC_BAD_MESSAGE')
    expect(code(() => s0.receive(1, DKG_ROUNDS.round1, Uint8Array.of(...r1, 0)))).toBe('MPC_BAD_MESSAGE')
    expect(code(() => s0.receive(1, DKG_ROUNDS.round1, Uint8Array.of(2, ...r1.subarray(1))))).toBe('MPC_BAD_MESSAGE')
    expect(code(() => s0.receive(1, DKG_ROUNDS.echo, r1))).toBe('MPC_BAD_MESSAGE')
    expect(code(() => s0.receive(9, DKG_ROUNDS.round1, r1))).toBe('MPC_UNEXPECTED_MESSAGE')
    expect(code(() => s0.receive(2, DKG_ROUNDS.round1, r1))).toBe('MPC_UNEXPECTED_MESSAGE') // names dealer 1
    expect(code(() => s0.receive(1, 'dkg/other', r1))).toBe('MPC_UNEXPECTED_MESSAGE')
    expect(code(() => s0.receive(1, DKG_ROUNDS.round1, r1))).toBe('accepted')
    expect(code(() => s0.receive(1, DKG_ROUNDS.round1, r1))).toBe('accepted') // identical duplicate
    const other = dkgSessions({ scheme, ids: IDS, threshold: 3, seed: 'refusals-2' }).sessions.get(1)!.start()[0]!
    expect(code(() => s0.receive(1, DKG_ROUNDS.round1, other.payload))).toBe('MPC_UNEXPECTED_MESSAGE') // conflicting
    expect(code(() => s0.receive(1, DKG_ROUNDS.echo, encodeEcho({ sender: 1, round1Hash: new Uint8Array(32) })))).toBe(
      'accepted',
    )
    expect(s0.waitingFor()).toEqual({ round: DKG_ROUNDS.round1, from: [2, 3, 4] })
    // a share before the round-1 set is complete
    const share = encodeShare(scheme, {
      dealer: 1,
      receiver: 0,
      share: new Uint8Array(32),
      signature: new Uint8Array(64),
    })
    expect(code(() => s0.receive(1, DKG_ROUNDS.share, share))).toBe('MPC_UNEXPECTED_MESSAGE')
  })

  it('a share with a bad dealer signature is refused (the dealer stays awaited)', () => {
    const { sessions } = setup('bad-inner-sig')
    const tamper = (e: Envelope): Uint8Array | null => {
      if (e.round !== DKG_ROUNDS.share || e.from !== 4 || e.to !== 0) return e.payload
      const m = decodeShare(scheme, e.payload)
      return encodeShare(scheme, { ...m, signature: new Uint8Array(64).fill(3) })
    }
    const run = runNetwork(sessions, { tamper })
    expect(run.refused).toContainEqual({ at: 0, from: 4, round: DKG_ROUNDS.share, code: 'MPC_BAD_MESSAGE_SIGNATURE' })
    expect(run.outcomes.get(0)).toBeUndefined()
    expect(sessions.get(0)!.waitingFor()).toEqual({ round: DKG_ROUNDS.share, from: [4] })
  })
})
