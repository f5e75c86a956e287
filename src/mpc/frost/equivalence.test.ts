/**
 * Our RFC 9591 §5.2/§5.3 (signShare.ts, aggregate.ts over points decoded once) against noble's own
 * `signShare` / `aggregate` of ed25519_FROST, secp256k1_FROST and schnorr_FROST: byte-identical shares and
 * signatures over seeded random keys (t, n, participant ids, Bip340 root parity), messages, tweaks and
 * signing subsets. noble gets the derived key as plain arithmetic (shares + t, keys + t·G; Bip340: root
 * first to even Y) built here, independently of derivedPackage.ts, and does its own even-Y handling.
 * Plus the caches: points validated once, bounded, never holding an invalid point; ownCommitment.
 */
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js'
import { schnorr_FROST, secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { SecretBytes } from '../../crypto/index.js'
import { tweakScalar } from '../derive/deriveKey.js'
import { deriveTweak } from '../derive/tweak.js'
import { type GroupPoint, hasEvenY, suiteFor } from '../suites.js'
import { dealKey, seededRng } from '../testKit.js'
import type { ParticipantId, Rng, SchemeId } from '../types.js'
import { aggregate } from './aggregate.js'
import { commit } from './commit.js'
import type { SigningCommitment } from './commitments.js'
import { DERIVED_CACHE_SIZE, derivedPackage } from './derivedPackage.js'
import { createKeyPackage, createKeyShare, type KeyShare } from './keyPackage.js'
import {
  clearPointCache,
  commitmentPoint,
  isPointCached,
  POINT_CACHE_SIZE,
  pointCacheStats,
  rememberOwnPoint,
} from './pointCache.js'
import { signShare } from './signShare.js'

const NOBLE = { Ed25519: ed25519_FROST, Secp256k1Frost: secp256k1_FROST, Bip340: schnorr_FROST } as const
const SCHEMES = ['Ed25519', 'Secp256k1Frost', 'Bip340'] as const satisfies readonly SchemeId[]

const int = (rng: Rng, below: number) => {
  const b = rng(4)
  return ((b[0]! << 16) | (b[1]! << 8) | b[2]!) % below
}

function pick<T>(rng: Rng, xs: readonly T[], k: number): T[] {
  const pool = [...xs]
  const out: T[] = []
  while (out.length < k) out.push(pool.splice(int(rng, pool.length), 1)[0]!)
  return out
}

/** A random key for `scheme`; for Bip340 the root's Y parity is `oddRoot`. */
function randomKey(scheme: SchemeId, rng: Rng, seed: string, oddRoot: boolean) {
  const t = 2 + int(rng, 2)
  const n = t + int(rng, 6 - t)
  const ids = new Set<ParticipantId>()
  while (ids.size < n) ids.add(int(rng, 3) === 0 ? 0xffff_0000 + int(rng, 0xffff) : int(rng, 40))
  const suite = suiteFor(scheme)
  let sk: Uint8Array | undefined
  if (scheme === 'Bip340') {
    const { Fn } = suite
    let s = Fn.create(BigInt(`0x${bytesToHex(rng(32))}`))
    if (hasEvenY(suite.BASE.multiply(s)) === oddRoot) s = Fn.neg(s)
    sk = Fn.toBytes(s)
  }
  return { t, key: dealKey(scheme, t, [...ids], seededRng(seed), sk) }
}

/** noble's view of a (possibly tweaked) key: plain arithmetic, noble does its own Bip340 even-Y handling. */
function nobleKey(scheme: SchemeId, key: ReturnType<typeof dealKey>, tweak?: Uint8Array) {
  const suite = suiteFor(scheme)
  const { Fn } = suite
  const t = tweak === undefined ? 0n : tweakScalar(scheme, tweak)
  const root = suite.decodePoint(key.package.groupPublicKey, 'root')
  const flip = scheme === 'Bip340' && t !== 0n && !hasEvenY(root) // near-mpc: the Bip340 root counts as even Y
  const point = (p: GroupPoint) => {
    const q = flip ? p.negate() : p
    return suite.encodePoint(t === 0n ? q : q.add(suite.BASE.multiply(t)))
  }
  const scalar = (s: Uint8Array) => {
    const v = Fn.fromBytes(s)
    return Fn.toBytes(Fn.add(flip ? Fn.neg(v) : v, t))
  }
  const ids = key.package.participants
  return {
    pub: {
      signers: { min: key.package.threshold, max: ids.length },
      commitments: [point(root)],
      verifyingShares: Object.fromEntries(
        ids.map((id) => [
          suite.identifier(id),
          point(suite.decodePoint(key.package.verifyingShares.get(id)!, 'share')),
        ]),
      ),
    },
    secret: (m: KeyShare) => ({
      identifier: suite.identifier(m.participant),
      signingShare: scalar(m.signingShare.expose()),
    }),
  }
}

function runCase(scheme: SchemeId, i: number) {
  const rng = seededRng(`equivalence-${scheme}-${i}`)
  const { t, key } = randomKey(scheme, rng, `equivalence-key-${scheme}-${i}`, i % 2 === 1)
  const suite = suiteFor(scheme)
  const F = NOBLE[scheme]
  const tweak = i % 3 === 0 ? undefined : deriveTweak(`p${i}.near`, bytesToHex(rng(int(rng, 12))))
  const signers = pick(rng, key.package.participants, t + int(rng, key.package.participants.length - t + 1))
  const message = rng(int(rng, 3) === 0 ? 0 : 1 + int(rng, 100)).slice()
  const members = signers.map((id) => key.shares.get(id)!)
  const rounds = members.map((m) => commit(m, rng))
  const list = rounds.map((r) => r.commitment)
  const nobleList = list.map((c) => ({
    identifier: suite.identifier(c.participant),
    hiding: c.hiding,
    binding: c.binding,
  }))
  const nk = nobleKey(scheme, key, tweak)
  const theirs = members.map((m, k) => {
    const raw = rounds[k]!.nonces.expose()
    return F.signShare(nk.secret(m), nk.pub, { hiding: raw.slice(0, 32), binding: raw.slice(32) }, nobleList, message)
  })
  const ours = members.map((m, k) =>
    signShare(m, rounds[k]!.nonces, list, message, tweak, k % 2 === 0 ? rounds[k]!.commitment : undefined),
  )
  expect(ours.map(bytesToHex), `${scheme} case ${i}: shares`).toEqual(theirs.map(bytesToHex))
  const shares = new Map(signers.map((id, k) => [id, ours[k]!] as const))
  const out = aggregate(key.package, list, message, shares, tweak)
  const nobleSig = F.aggregate(
    nk.pub,
    nobleList,
    message,
    Object.fromEntries(signers.map((id, k) => [suite.identifier(id), theirs[k]!])),
  )
  expect(out, `${scheme} case ${i}: aggregate`).toEqual({ ok: true, signature: nobleSig })
  // a bad share: both name the same member
  const victim = signers[int(rng, signers.length)]!
  const bad = new Map(shares)
  const z = suite.Fn.fromBytes(shares.get(victim)!)
  bad.set(victim, suite.Fn.toBytes(suite.Fn.add(z, 1n)))
  let cheaters: string[] = []
  try {
    F.aggregate(nk.pub, nobleList, message, Object.fromEntries([...bad].map(([id, s]) => [suite.identifier(id), s])))
  } catch (e) {
    cheaters = (e as { cheaters: string[] }).cheaters
  }
  expect(cheaters).toEqual([suite.identifier(victim)])
  expect(aggregate(key.package, list, message, bad, tweak)).toEqual({ ok: false, badParticipants: [victim] })
}

describe('signShare / aggregate = noble signShare / aggregate, byte for byte', () => {
  for (const scheme of SCHEMES)
    it(`${scheme}: random keys, subsets, messages, root and derived keys`, () => {
      for (let i = 0; i < 12; i++) runCase(scheme, i)
    })
})

describe('decoded-point caches', () => {
  const msg = Uint8Array.of(1, 2, 3)

  it('validates a foreign commitment once, never caches an invalid one, and keeps every check on a miss', () => {
    clearPointCache()
    const key = dealKey('Ed25519', 2, [0, 1, 2], seededRng('cache-ed'))
    const [a, b] = [key.shares.get(0)!, key.shares.get(1)!]
    const ca = commit(a, seededRng('ca'))
    const cb = commit(b, seededRng('cb'))
    // commit() remembers the member's own points; start from nothing to see signShare validate them all
    expect(isPointCached('Ed25519', ca.commitment.hiding)).toBe(true)
    clearPointCache()
    const before = pointCacheStats().validated
    const validated = () => pointCacheStats().validated - before
    const list = [ca.commitment, cb.commitment]
    const sa = signShare(a, ca.nonces, list, msg, undefined, ca.commitment)
    for (const c of list) for (const p of [c.hiding, c.binding]) expect(isPointCached('Ed25519', p)).toBe(true)
    expect(validated()).toBe(4) // every point, own ones too: nothing was cached
    const sb = signShare(b, cb.nonces, list, msg)
    const out = aggregate(
      key.package,
      list,
      msg,
      new Map([
        [0, sa],
        [1, sb],
      ]),
    )
    expect(out.ok).toBe(true)
    expect(validated()).toBe(4) // member b and the coordinator decode nothing again
    // a point with a torsion component fails every time and is never cached
    const torsion = ed25519.Point.fromBytes(
      hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
    )
    const dirty = ed25519.Point.fromBytes(cb.commitment.binding).add(torsion).toBytes()
    for (let k = 0; k < 2; k++) {
      const c = commit(a, seededRng(`dirty${k}`))
      expect(() => signShare(a, c.nonces, [c.commitment, { ...cb.commitment, binding: dirty }], msg)).toThrow(
        expect.objectContaining({ code: 'MPC_BAD_COMMITMENTS' }),
      )
      expect(isPointCached('Ed25519', dirty)).toBe(false)
    }
  })

  it('the point cache is bounded (least recently used out first)', () => {
    clearPointCache()
    const suite = suiteFor('Secp256k1Frost')
    let p = suite.BASE
    const add = () => {
      p = p.add(suite.BASE)
      const bytes = suite.encodePoint(p)
      rememberOwnPoint(suite, bytes, p)
      return bytes
    }
    const first = add()
    const second = add()
    for (let k = 2; k < POINT_CACHE_SIZE; k++) add()
    expect(isPointCached('Secp256k1Frost', first) && isPointCached('Secp256k1Frost', second)).toBe(true)
    commitmentPoint(suite, first, 0, 'hiding') // a hit: now the most recently used
    const last = add()
    expect(isPointCached('Secp256k1Frost', first)).toBe(true)
    expect(isPointCached('Secp256k1Frost', second)).toBe(false)
    expect(isPointCached('Secp256k1Frost', last)).toBe(true)
    clearPointCache()
  })

  it('derived packages: one per tweak, LRU-bounded, the recently used one kept', () => {
    const key = dealKey('Secp256k1Frost', 2, [0, 1, 2], seededRng('lru'))
    const keep = deriveTweak('keep.near', 'k')
    const first = derivedPackage(key.package, keep)
    for (let k = 0; k < DERIVED_CACHE_SIZE + 8; k++) {
      derivedPackage(key.package, deriveTweak('lru.near', String(k)))
      if (k % 64 === 0) expect(derivedPackage(key.package, keep)).toBe(first)
    }
    expect(derivedPackage(key.package, keep)).toBe(first)
    const evicted = derivedPackage(key.package, deriveTweak('lru.near', '1'))
    expect(derivedPackage(key.package, deriveTweak('lru.near', '1'))).toBe(evicted)
  })

  it('derived packages: the group point matches its encoding, the (lazy) public package matches plain arithmetic', () => {
    for (const scheme of SCHEMES) {
      const suite = suiteFor(scheme)
      const key = dealKey(scheme, 2, [3, 5, 9], seededRng(`derived-${scheme}`))
      const tweak = deriveTweak('d.near', scheme)
      const d = derivedPackage(key.package, tweak)
      expect(bytesToHex(d.groupKey)).toBe(bytesToHex(suite.encodePoint(d.groupPoint)))
      expect(d.pub).toBe(d.pub)
      // noble's view before its own even-Y step; Bip340 packages are stored even-Y normalised
      const plain = nobleKey(scheme, key, tweak).pub
      const odd = scheme === 'Bip340' && !hasEvenY(suite.decodePoint(plain.commitments[0]!, 'key'))
      const norm = (b: Uint8Array) => bytesToHex(odd ? suite.encodePoint(suite.decodePoint(b, 'p').negate()) : b)
      expect(d.pub.commitments.map(bytesToHex)).toEqual(plain.commitments.map(norm))
      expect(Object.fromEntries(Object.entries(d.pub.verifyingShares).map(([k, v]) => [k, bytesToHex(v)]))).toEqual(
        Object.fromEntries(Object.entries(plain.verifyingShares).map(([k, v]) => [k, norm(v)])),
      )
    }
  })
})

describe('ownCommitment', () => {
  const key = dealKey('Secp256k1Frost', 2, [0, 1, 2], seededRng('own'))
  const [a, b] = [key.shares.get(0)!, key.shares.get(1)!]
  const msg = Uint8Array.of(9)
  const code = (f: () => unknown) => {
    try {
      f()
    } catch (e) {
      return (e as { code?: string }).code
    }
    return 'no error'
  }

  it('must equal the member entry byte for byte; otherwise nothing is signed and the nonce is gone', () => {
    const ca = commit(a, seededRng('own-a'))
    const cb = commit(b, seededRng('own-b'))
    const list = [ca.commitment, cb.commitment]
    const copy = () => new SecretBytes(Uint8Array.from(ca.nonces.expose()))
    const other: SigningCommitment = commit(a, seededRng('own-other')).commitment
    const n = copy()
    expect(code(() => signShare(a, n, list, msg, undefined, other))).toBe('MPC_BAD_COMMITMENTS')
    expect(n.expose().every((x) => x === 0)).toBe(true)
    expect(code(() => signShare(a, copy(), list, msg, undefined, cb.commitment))).toBe('MPC_BAD_INPUT')
    expect(code(() => signShare(a, copy(), list, msg, undefined, { ...ca.commitment, hiding: 'x' as never }))).toBe(
      'MPC_BAD_INPUT',
    )
    // with and without ownCommitment: the same share
    const x = signShare(a, copy(), list, msg, undefined, ca.commitment)
    const y = signShare(a, copy(), list, msg)
    expect(bytesToHex(x)).toBe(bytesToHex(y))
  })

  it('a key package rebuilt from the same bytes gives the same share (caches are keyed by bytes only)', () => {
    const again = createKeyPackage({
      scheme: 'Secp256k1Frost',
      threshold: 2,
      groupPublicKey: key.package.groupPublicKey,
      verifyingShares: key.package.verifyingShares,
    })
    const a2 = createKeyShare(again, 0, Uint8Array.from(a.signingShare.expose()))
    const ca = commit(a, seededRng('again-a'))
    const cb = commit(b, seededRng('again-b'))
    const list = [ca.commitment, cb.commitment]
    const copy = new SecretBytes(Uint8Array.from(ca.nonces.expose()))
    const tweak = deriveTweak('again.near', '')
    expect(bytesToHex(signShare(a2, copy, list, msg, tweak, ca.commitment))).toBe(
      bytesToHex(signShare(a, ca.nonces, list, msg, tweak)),
    )
  })
})
