/**
 * Test helpers for the mpc layer (used by *.test.ts only, not exported from index.ts): a deterministic rng and
 * trusted-dealer key sets built with noble's `trustedDealer`.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { decodeRound1, encodeEcho, encodeRound1, type Round1Message } from './dkg/messages.js'
import { createDkgSession, type DkgSession } from './dkg/session.js'
import { round1SetHash, sessionContext } from './dkg/statements.js'
import { DKG_ROUNDS, type DkgOutcome } from './dkg/types.js'
import { createKeyPackage, createKeyShare, type KeyPackage, type KeyShare } from './frost/keyPackage.js'
import { type ResharePlan, reshareSecret } from './reshare/planReshare.js'
import { nobleRng } from './rng.js'
import { suiteFor } from './suites.js'
import type { ParticipantId, ProtocolMessage, Rng, SchemeId } from './types.js'

/** Deterministic bytes: SHA-256(seed ‖ counter) blocks. For tests only. */
export function seededRng(seed: string): Rng {
  let counter = 0
  return (length = 32) => {
    const out = new Uint8Array(length)
    for (let off = 0; off < length; off += 32) {
      const block = sha256(
        concatBytes(utf8ToBytes(seed), Uint8Array.of(counter >> 24, counter >> 16, counter >> 8, counter)),
      )
      counter++
      out.set(block.subarray(0, Math.min(32, length - off)), off)
    }
    return out
  }
}

/** Replays fixed byte strings, one per call (RFC 9591 vectors' nonce randomness). */
export function replayRng(...chunks: Uint8Array[]): Rng {
  return (length = 32) => {
    const c = chunks.shift()
    if (!c || c.length !== length) throw new Error('replayRng: unexpected request')
    return c
  }
}

export interface DealtKey {
  package: KeyPackage
  shares: Map<ParticipantId, KeyShare>
  /** the group secret (scheme byte order) */
  secret: Uint8Array
}

/** A t-of-n key for `ids` from noble's trusted dealer (tests only: a dealer knows the whole key). */
export function dealKey(
  scheme: SchemeId,
  t: number,
  ids: readonly ParticipantId[],
  rng: Rng,
  secret?: Uint8Array,
): DealtKey {
  const suite = suiteFor(scheme)
  const r = nobleRng(rng)
  const sk = secret ?? suite.frost.utils.randomScalar(r)
  const deal = suite.frost.trustedDealer({ min: t, max: ids.length }, ids.map(suite.identifier), sk, r)
  const pkg = createKeyPackage({
    scheme,
    threshold: t,
    groupPublicKey: deal.public.commitments[0]!,
    verifyingShares: ids.map((id) => [id, deal.public.verifyingShares[suite.identifier(id)]!] as const),
  })
  const shares = new Map(
    ids.map((id) => [id, createKeyShare(pkg, id, deal.secretShares[suite.identifier(id)]!.signingShare)] as const),
  )
  return { package: pkg, shares, secret: sk }
}

/** Ed25519 node keys for tests. */
export function nodeKeyring(
  ids: readonly ParticipantId[],
  seed: string,
): Map<ParticipantId, { secret: Uint8Array; public: Uint8Array }> {
  return new Map(
    ids.map((id) => {
      const secret = sha256(utf8ToBytes(`${seed}/node/${id}`))
      return [id, { secret, public: ed25519.getPublicKey(secret) }] as const
    }),
  )
}

export const verifyNodeSignature = (key: Uint8Array, statement: Uint8Array, sig: Uint8Array): boolean => {
  try {
    return ed25519.verify(sig, statement, key)
  } catch {
    return false
  }
}

export interface Envelope {
  from: ParticipantId
  to: ParticipantId
  round: string
  payload: Uint8Array
}

export interface NetworkRun {
  outcomes: Map<ParticipantId, DkgOutcome | undefined>
  /** receive() refusals: who refused what */
  refused: Array<{ at: ParticipantId; from: ParticipantId; round: string; code: string }>
}

/**
 * Run sessions to completion over an in-memory network. `tamper` may rewrite or drop (return null) any
 * envelope; `shuffle` delivers in a random (seeded) order instead of FIFO.
 */
export function runNetwork(
  sessions: ReadonlyMap<ParticipantId, DkgSession>,
  opts: { tamper?: (e: Envelope) => Uint8Array | null; shuffle?: Rng } = {},
): NetworkRun {
  const queue: Envelope[] = []
  const ids = [...sessions.keys()]
  const post = (from: ParticipantId, msgs: ProtocolMessage[]) => {
    for (const m of msgs)
      for (const to of m.to === 'all' ? ids.filter((id) => id !== from) : [m.to]) {
        const e = { from, to, round: m.round, payload: m.payload }
        const payload = opts.tamper ? opts.tamper(e) : e.payload
        if (payload) queue.push({ ...e, payload })
      }
  }
  for (const [id, s] of sessions) post(id, s.start())
  const refused: NetworkRun['refused'] = []
  while (queue.length > 0) {
    const i = opts.shuffle ? (opts.shuffle(4).reduce((a, b) => a * 256 + b, 0) >>> 0) % queue.length : 0
    const e = queue.splice(i, 1)[0]!
    const s = sessions.get(e.to)!
    if (s.outcome) continue
    try {
      post(e.to, s.receive(e.from, e.round, e.payload))
    } catch (err) {
      refused.push({ at: e.to, from: e.from, round: e.round, code: (err as { code?: string }).code ?? String(err) })
    }
  }
  return { outcomes: new Map([...sessions].map(([id, s]) => [id, s.outcome] as const)), refused }
}

export interface DkgSetup {
  scheme: SchemeId
  ids: readonly ParticipantId[]
  threshold: number
  seed: string
  epoch?: bigint
  reshare?: { plan: ResharePlan; oldShares: ReadonlyMap<ParticipantId, KeyShare> }
  /** sees every statement a member signs (a test's cheating dealer re-signs altered ones) */
  onSign?: (me: ParticipantId, statement: Uint8Array) => void
}

/** Sessions for every member of `ids`, with node keys and rngs derived from `seed`. */
export function dkgSessions(setup: DkgSetup): {
  sessions: Map<ParticipantId, DkgSession>
  keys: ReturnType<typeof nodeKeyring>
  /** the session context every member computes (statements.ts) */
  context: Uint8Array
} {
  const keys = nodeKeyring(setup.ids, setup.seed)
  const participants = setup.ids.map((id) => ({ id, nodeKey: keys.get(id)!.public }))
  const sessionId = sha256(utf8ToBytes(`${setup.seed}/session`))
  const sessions = new Map(
    setup.ids.map((me) => {
      const dealing = setup.reshare?.plan.dealers.includes(me)
      const reshare = setup.reshare
        ? {
            plan: setup.reshare.plan,
            ...(dealing ? { secret: reshareSecret(setup.reshare.oldShares.get(me)!, setup.reshare.plan) } : {}),
          }
        : undefined
      return [
        me,
        createDkgSession({
          scheme: setup.scheme,
          epoch: setup.epoch ?? 1n,
          sessionId,
          participants,
          threshold: setup.threshold,
          me,
          rng: seededRng(`${setup.seed}/rng/${me}`),
          sign: (m) => {
            setup.onSign?.(me, m)
            return ed25519.sign(m, keys.get(me)!.secret)
          },
          verify: verifyNodeSignature,
          ...(reshare ? { reshare } : {}),
        }),
      ] as const
    }),
  )
  const context = sessionContext({
    scheme: setup.scheme,
    epoch: setup.epoch ?? 1n,
    sessionId,
    threshold: setup.threshold,
    participants,
    dealers: setup.reshare ? setup.reshare.plan.dealers : setup.ids,
    ...(setup.reshare
      ? { groupPublicKey: setup.reshare.plan.groupPublicKey, dealerConstants: setup.reshare.plan.dealerConstants }
      : {}),
  })
  return { sessions, keys, context }
}

/**
 * A dealer whose round-1 package is `alter`ed for everyone, and who echoes the hash of the set as the others
 * see it (so the fault is a bad package, not a split view).
 */
export function forgedRound1(
  context: Uint8Array,
  scheme: SchemeId,
  dealer: ParticipantId,
  alter: (m: Round1Message) => Round1Message,
): (e: Envelope) => Uint8Array | null {
  const seen = new Map<ParticipantId, Uint8Array>()
  return (e) => {
    if (e.round === DKG_ROUNDS.round1) {
      const payload = e.from === dealer ? encodeRound1(scheme, alter(decodeRound1(scheme, e.payload))) : e.payload
      seen.set(e.from, payload)
      return payload
    }
    if (e.round === DKG_ROUNDS.echo && e.from === dealer)
      return encodeEcho({ sender: dealer, round1Hash: round1SetHash(context, seen) })
    return e.payload
  }
}
