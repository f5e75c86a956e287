import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { deriveChainKeys } from '../derive/chainKeys.js'
import { deriveTweak } from '../derive/tweak.js'
import { decodeRound1, type Round1Message } from '../dkg/messages.js'
import type { DkgOutcome } from '../dkg/types.js'
import { aggregate } from '../frost/aggregate.js'
import { commit } from '../frost/commit.js'
import { signingPublicKey } from '../frost/derivedPackage.js'
import { createKeyShare, type KeyPackage, type KeyShare } from '../frost/keyPackage.js'
import { signShare } from '../frost/signShare.js'
import { verifySignature } from '../frost/verifySignature.js'
import { suiteFor } from '../suites.js'
import { dealKey, dkgSessions, forgedRound1, runNetwork, seededRng } from '../testKit.js'
import type { ParticipantId, SchemeId } from '../types.js'
import { planRefresh, planReshare, type ResharePlan, reshareSecret } from './planReshare.js'

const done = (o: DkgOutcome | undefined) => {
  if (o?.kind !== 'done') throw new Error(`expected done, got ${o?.kind}`)
  return o
}

/** Run the resharing DKG for `plan` and return every new member's share. */
function reshare(
  scheme: SchemeId,
  plan: ResharePlan,
  oldShares: ReadonlyMap<ParticipantId, KeyShare>,
  seed: string,
): Map<ParticipantId, KeyShare> {
  const { sessions } = dkgSessions({
    scheme,
    ids: plan.newParticipants,
    threshold: plan.newThreshold,
    seed,
    epoch: 2n,
    reshare: { plan, oldShares },
  })
  const run = runNetwork(sessions, { shuffle: seededRng(`${seed}/order`) })
  expect(run.refused).toEqual([])
  const outs = plan.newParticipants.map((id) => done(run.outcomes.get(id)))
  for (const o of outs) {
    expect(o.groupPublicKey).toEqual(plan.groupPublicKey)
    expect(o.transcriptHash).toEqual(outs[0]!.transcriptHash)
    expect([...o.verifyingShares]).toEqual([...outs[0]!.verifyingShares])
  }
  return new Map(plan.newParticipants.map((id, i) => [id, outs[i]!.keyShare] as const))
}

function signs(scheme: SchemeId, members: KeyShare[], tweak?: Uint8Array): boolean {
  const msg = utf8ToBytes('after resharing')
  const rng = seededRng(`sign/${members.map((m) => m.participant).join(',')}`)
  const c = members.map((m) => commit(m, rng))
  const list = c.map((x) => x.commitment)
  const shares = new Map(members.map((m, i) => [m.participant, signShare(m, c[i]!.nonces, list, msg, tweak)] as const))
  const pkg = members[0]!.package
  const out = aggregate(pkg, list, msg, shares, tweak)
  return out.ok && verifySignature(scheme, signingPublicKey(pkg, tweak), msg, out.signature)
}

/** Lagrange-combine the given shares at 0 (noble combineSecret) and compare with the group key. */
function combinesToKey(scheme: SchemeId, pkg: KeyPackage, shares: Array<{ id: ParticipantId; share: Uint8Array }>) {
  const suite = suiteFor(scheme)
  const s = suite.frost.combineSecret(
    shares.map((x) => ({ identifier: suite.identifier(x.id), signingShare: x.share })),
    { min: shares.length, max: shares.length },
  )
  return bytesToHex(suite.encodePoint(suite.BASE.multiply(suite.Fn.fromBytes(s)))) === bytesToHex(pkg.groupPublicKey)
}

const rawShare = (k: KeyShare) => k.signingShare.expose()

describe.each(['Ed25519', 'Secp256k1Frost', 'Bip340'] as const)('resharing, %s', (scheme) => {
  // epoch 1: a 3-of-5 key made by a real DKG (for Bip340 that includes noble's TapTweak of the DKG output)
  const { sessions } = dkgSessions({ scheme, ids: [0, 1, 2, 3, 4], threshold: 3, seed: `epoch1-${scheme}` })
  const first = runNetwork(sessions)
  const old = new Map([0, 1, 2, 3, 4].map((id) => [id, done(first.outcomes.get(id)).keyShare] as const))
  const oldPkg = old.get(0)!.package
  const tweak = deriveTweak('alice.near', 'ethereum-1')
  const derivedBefore = deriveChainKeys(scheme, oldPkg.groupPublicKey, 'alice.near', 'ethereum-1')

  it('5 → 5, one leaves (4) and one joins (5): same key and addresses, new shares sign, the leaver is out', () => {
    const plan = planReshare(oldPkg, { participants: [0, 1, 2, 3, 5], threshold: 3 })
    expect(plan.dealers).toEqual([0, 1, 2, 3])
    const next = reshare(scheme, plan, old, `5to5-${scheme}`)
    const pkg = next.get(5)!.package
    expect(pkg.groupPublicKey).toEqual(oldPkg.groupPublicKey)
    expect(deriveChainKeys(scheme, pkg.groupPublicKey, 'alice.near', 'ethereum-1')).toEqual(derivedBefore)
    expect(signs(scheme, [next.get(5)!, next.get(0)!, next.get(3)!])).toBe(true)
    expect(signs(scheme, [next.get(1)!, next.get(2)!, next.get(5)!], tweak)).toBe(true)
    // the leaver's old share does not combine with new shares, and is no member of the new package
    expect(
      combinesToKey(scheme, pkg, [
        { id: 4, share: rawShare(old.get(4)!) },
        ...[0, 1].map((id) => ({ id, share: rawShare(next.get(id)!) })),
      ]),
    ).toBe(false)
    expect(
      combinesToKey(
        scheme,
        pkg,
        [2, 3, 5].map((id) => ({ id, share: rawShare(next.get(id)!) })),
      ),
    ).toBe(true)
    expect(() => createKeyShare(pkg, 4, rawShare(old.get(4)!))).toThrow(
      expect.objectContaining({ code: 'MPC_NOT_PARTICIPANT' }),
    )
    // an old share of a member that stayed does not fit the new epoch either
    expect(() => createKeyShare(pkg, 0, rawShare(old.get(0)!))).toThrow(
      expect.objectContaining({ code: 'MPC_SHARE_MISMATCH' }),
    )
  })

  it('5 → 4 with t 3 → 2: same key, any 2 new members sign', () => {
    const plan = planReshare(oldPkg, { participants: [0, 1, 2, 3], threshold: 2 })
    const next = reshare(scheme, plan, old, `5to4-${scheme}`)
    const pkg = next.get(0)!.package
    expect(pkg.threshold).toBe(2)
    expect(pkg.groupPublicKey).toEqual(oldPkg.groupPublicKey)
    expect(signs(scheme, [next.get(1)!, next.get(3)!])).toBe(true)
    expect(signs(scheme, [next.get(0)!, next.get(2)!], tweak)).toBe(true)
    expect(
      combinesToKey(
        scheme,
        pkg,
        [0, 2].map((id) => ({ id, share: rawShare(next.get(id)!) })),
      ),
    ).toBe(true)
  })

  it('refresh: same set and threshold, every share changes, the key does not, old and new shares do not mix', () => {
    const plan = planRefresh(oldPkg)
    const next = reshare(scheme, plan, old, `refresh-${scheme}`)
    const pkg = next.get(0)!.package
    expect(pkg.groupPublicKey).toEqual(oldPkg.groupPublicKey)
    for (const id of [0, 1, 2, 3, 4]) {
      expect(bytesToHex(rawShare(next.get(id)!))).not.toBe(bytesToHex(rawShare(old.get(id)!)))
      expect(pkg.verifyingShares.get(id)).not.toEqual(oldPkg.verifyingShares.get(id))
    }
    expect(signs(scheme, [next.get(0)!, next.get(2)!, next.get(4)!], tweak)).toBe(true)
    expect(
      combinesToKey(scheme, pkg, [
        { id: 0, share: rawShare(old.get(0)!) },
        ...[1, 2].map((id) => ({ id, share: rawShare(next.get(id)!) })),
      ]),
    ).toBe(false)
  })
})

describe('resharing plans and faults', () => {
  const scheme: SchemeId = 'Secp256k1Frost'
  const key = dealKey(scheme, 3, [0, 1, 2, 3, 4], seededRng('plan'))

  it('needs at least the old threshold of staying members as dealers', () => {
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as { code?: string }).code
      }
      return 'ok'
    }
    expect(code(() => planReshare(key.package, { participants: [0, 1, 7, 8], threshold: 2 }))).toBe(
      'MPC_BAD_RESHARE_PLAN',
    )
    expect(code(() => planReshare(key.package, { participants: [0, 1, 2, 7], threshold: 2, dealers: [0, 1] }))).toBe(
      'MPC_BAD_RESHARE_PLAN',
    )
    expect(code(() => planReshare(key.package, { participants: [0, 1, 2, 7], threshold: 2, dealers: [0, 1, 4] }))).toBe(
      'MPC_BAD_RESHARE_PLAN',
    ) // 4 leaves: it cannot deal
    expect(code(() => planReshare(key.package, { participants: [0, 1, 2], threshold: 4 }))).toBe('MPC_BAD_RESHARE_PLAN')
    expect(code(() => planReshare(key.package, { participants: [0, 1, 2, 2], threshold: 2 }))).toBe(
      'MPC_BAD_RESHARE_PLAN',
    )
    expect(code(() => planReshare(key.package, { participants: [0, 1, 2], threshold: 3 }))).toBe('ok')
    const plan = planReshare(key.package, { participants: [0, 1, 2, 7], threshold: 2 })
    expect(code(() => reshareSecret(key.shares.get(4)!, plan))).toBe('MPC_NOT_PARTICIPANT')
  })

  it('a dealer that deals another constant is excluded; the restart without it keeps the key', () => {
    const plan = planReshare(key.package, { participants: [0, 1, 2, 3, 4], threshold: 3 })
    const setup = dkgSessions({
      scheme,
      ids: plan.newParticipants,
      threshold: 3,
      seed: 'cheat',
      reshare: { plan, oldShares: key.shares },
    })
    // dealer 1 swaps its commitment for a fresh polynomial's (a different constant term)
    const foreign = dkgSessions({ scheme, ids: [0, 1, 2, 3, 4], threshold: 3, seed: 'cheat-foreign' }).sessions.get(1)!
    const alt = foreign.start()[0]!.payload
    const swap = (m: Round1Message): Round1Message => ({ ...m, commitment: decodeRound1(scheme, alt).commitment })
    const run = runNetwork(setup.sessions, { tamper: forgedRound1(setup.context, scheme, 1, swap) })
    const out = run.outcomes.get(0)
    expect(out).toEqual({ kind: 'restart', exclude: [1], findings: [{ participant: 1, fault: 'bad-round1' }] })
    // restart: 1 is out of the new set and of the dealers; 4 dealers ≥ old t = 3
    const retry = planReshare(key.package, { participants: [0, 2, 3, 4], threshold: 3 })
    const next = reshare(scheme, retry, key.shares, 'cheat-retry')
    expect(next.get(0)!.package.groupPublicKey).toEqual(key.package.groupPublicKey)
    expect(signs(scheme, [next.get(0)!, next.get(3)!, next.get(4)!])).toBe(true)
  })
})
