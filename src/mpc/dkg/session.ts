/**
 * One DKG (or resharing) attempt as a pure state machine: messages in, messages out, and finally an outcome.
 * No I/O, no clock, no randomness but the `rng` it is given. The transport wraps each `ProtocolMessage` in its
 * authenticated envelope (epoch, session id, round, sender, node-key signature) and hands incoming ones to
 * `receive(from, round, payload)`; timeouts are the driver's (`waitingFor()` says who is missing).
 *
 * Rounds, around noble's DKG round1/round2/round3:
 *  1. `dkg/round1` (dealers → all): noble round1 — VSS commitment and proof of knowledge. For a resharing the
 *     dealer's constant term is λ_i·s_i (reshare/planReshare.ts) and joiners do not deal.
 *  2. `dkg/echo` (all → all): SHA-256 of the whole round-1 set this member received. Continue only if every
 *     member saw the same set; otherwise abort ('split-view'): nobody is dealt a share on a split view.
 *     Then each package is checked (noble round2 validates the proofs); a bad package is public evidence, so
 *     every honest member excludes the same dealer ('bad-round1').
 *  3. `dkg/share` (dealer → receiver): the receiver's share, signed by the dealer's node key over the session
 *     context, the round-1 hash, both ids and the share (statements.ts).
 *  4. `dkg/status` (all → all): the shares that failed the VSS check, each with the dealer's signature — a
 *     complaint anyone can check. A valid complaint excludes the dealer ('bad-share'); one that does not hold
 *     (bad signature, or the share verifies) excludes the complainer ('false-complaint').
 * Outcome: `done` (noble round3 for a fresh key; for a resharing the sums of the received shares and of the
 * dealers' commitments), `restart` without the culprits, or `abort` when fewer than t members (or, when
 * resharing, fewer than the old t dealers) would remain.
 */
import type { DKG_Round2, DKG_Secret } from '@noble/curves/abstract/frost.js'
import type { TArg } from '@noble/curves/utils.js'
import { equalBytes, SecretBytes } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import { createKeyPackage, createKeyShare } from '../frost/keyPackage.js'
import { scalarOf } from '../lagrange.js'
import { nobleRng } from '../rng.js'
import type { Suite } from '../suites.js'
import type { ParticipantId, ProtocolMessage } from '../types.js'
import { checkParameters } from './checkParameters.js'
import { combineReshare } from './combineReshare.js'
import { exclusionOutcome, judgeComplaints } from './judgeComplaints.js'
import {
  type Complaint,
  decodeEcho,
  decodeRound1,
  decodeShare,
  decodeStatus,
  encodeEcho,
  encodeRound1,
  encodeShare,
  encodeStatus,
  type Round1Message,
} from './messages.js'
import { round1SetHash, sessionContext, shareStatement, transcriptHash } from './statements.js'
import { DKG_ROUNDS, type DkgFinding, type DkgOutcome, type DkgParameters, type DkgRound } from './types.js'
import { evaluatePolynomial, round1IsValid, shareIsValid, toNobleRound1 } from './vss.js'

interface ReceivedShare {
  share: Uint8Array
  signature: Uint8Array
  valid: boolean
}

export class DkgSession {
  readonly #p: DkgParameters
  readonly #suite: Suite
  readonly #ids: readonly ParticipantId[]
  readonly #nodeKeys: ReadonlyMap<ParticipantId, Uint8Array>
  readonly #dealers: readonly ParticipantId[]
  readonly #signers: { min: number; max: number }
  readonly #context: Uint8Array
  #secret: TArg<DKG_Secret> | undefined
  #started = false
  readonly #round1 = new Map<ParticipantId, { bytes: Uint8Array; msg: Round1Message }>()
  #round1Hash: Uint8Array | undefined
  readonly #echoes = new Map<ParticipantId, Uint8Array>()
  #echoChecked = false
  readonly #shares = new Map<ParticipantId, ReceivedShare>()
  #statusSent = false
  readonly #statuses = new Map<ParticipantId, { bytes: Uint8Array; complaints: readonly Complaint[] }>()
  #outcome: DkgOutcome | undefined

  constructor(params: DkgParameters) {
    const { suite, ids, dealers } = checkParameters(params)
    const r = params.reshare
    const t = params.threshold
    this.#p = params
    this.#suite = suite
    this.#ids = Object.freeze(ids)
    this.#nodeKeys = new Map(params.participants.map((p) => [p.id, p.nodeKey] as const))
    this.#dealers = Object.freeze(dealers)
    this.#signers = { min: t, max: ids.length }
    this.#context = sessionContext({
      scheme: params.scheme,
      epoch: params.epoch,
      sessionId: params.sessionId,
      threshold: t,
      participants: params.participants,
      dealers,
      ...(r ? { groupPublicKey: r.plan.groupPublicKey, dealerConstants: r.plan.dealerConstants } : {}),
    })
  }

  /** The outcome, once there is one. */
  get outcome(): DkgOutcome | undefined {
    return this.#outcome
  }

  /** Members whose message for the current round is still missing (empty when finished). */
  waitingFor(): { round: DkgRound; from: ParticipantId[] } | undefined {
    if (this.#outcome) return undefined
    const missing = (have: ReadonlyMap<ParticipantId, unknown>, of: readonly ParticipantId[]) =>
      of.filter((id) => !have.has(id))
    if (!this.#round1Hash) return { round: DKG_ROUNDS.round1, from: missing(this.#round1, this.#dealers) }
    if (!this.#echoChecked) return { round: DKG_ROUNDS.echo, from: missing(this.#echoes, this.#ids) }
    if (!this.#statusSent) return { round: DKG_ROUNDS.share, from: missing(this.#shares, this.#dealers) }
    return { round: DKG_ROUNDS.status, from: missing(this.#statuses, this.#ids) }
  }

  /** Begin: a dealer's round-1 broadcast (a joiner sends nothing yet). Call once. */
  start(): ProtocolMessage[] {
    if (this.#started) throw new MpcError('MPC_UNEXPECTED_MESSAGE', 'the session was already started')
    this.#started = true
    const out: ProtocolMessage[] = []
    if (this.#dealers.includes(this.#p.me)) {
      const { DKG, Identifier } = this.#suite.frost
      const initial = this.#p.reshare?.secret?.expose()
      const r1 = DKG.round1(Identifier.fromNumber(this.#p.me + 1), this.#signers, initial, nobleRng(this.#p.rng))
      this.#secret = r1.secret
      const msg: Round1Message = {
        dealer: this.#p.me,
        commitment: r1.public.commitment,
        proofOfKnowledge: r1.public.proofOfKnowledge,
      }
      const bytes = encodeRound1(this.#p.scheme, msg)
      this.#round1.set(this.#p.me, { bytes, msg })
      out.push({ round: DKG_ROUNDS.round1, to: 'all', payload: bytes })
    }
    return [...out, ...this.#advance()]
  }

  /**
   * An incoming payload from `from` (authenticated by the transport). Returns what to send now. Throws
   * MPC_BAD_MESSAGE (malformed), MPC_UNEXPECTED_MESSAGE (wrong sender/round/phase, or a conflicting copy: the
   * first one stands), MPC_BAD_MESSAGE_SIGNATURE (a share the dealer did not sign), MPC_SESSION_FINISHED.
   * An identical duplicate is ignored.
   */
  receive(from: ParticipantId, round: string, payload: Uint8Array): ProtocolMessage[] {
    if (this.#outcome) throw new MpcError('MPC_SESSION_FINISHED', 'the DKG session has finished')
    if (!this.#started) throw new MpcError('MPC_UNEXPECTED_MESSAGE', 'start() the session first')
    if (!this.#nodeKeys.has(from) || from === this.#p.me)
      throw new MpcError('MPC_UNEXPECTED_MESSAGE', `participant ${from} is not a peer in this session`, {
        participant: from,
      })
    switch (round) {
      case DKG_ROUNDS.round1:
        this.#onRound1(from, payload)
        break
      case DKG_ROUNDS.echo:
        this.#onEcho(from, payload)
        break
      case DKG_ROUNDS.share:
        this.#onShare(from, payload)
        break
      case DKG_ROUNDS.status:
        this.#onStatus(from, payload)
        break
      default:
        throw new MpcError('MPC_UNEXPECTED_MESSAGE', 'unknown DKG round', { participant: from })
    }
    return this.#advance()
  }

  #unexpected(from: ParticipantId, why: string): never {
    throw new MpcError('MPC_UNEXPECTED_MESSAGE', `${why} (from participant ${from})`, { participant: from })
  }

  #onRound1(from: ParticipantId, payload: Uint8Array): void {
    const prev = this.#round1.get(from)
    if (prev) {
      if (equalBytes(prev.bytes, payload)) return
      this.#unexpected(from, 'conflicting round-1 package')
    }
    if (!this.#dealers.includes(from)) this.#unexpected(from, 'round-1 package from a member that does not deal')
    const msg = decodeRound1(this.#p.scheme, payload)
    if (msg.dealer !== from) this.#unexpected(from, 'round-1 package names another dealer')
    this.#round1.set(from, { bytes: payload.slice(), msg })
  }

  #onEcho(from: ParticipantId, payload: Uint8Array): void {
    const msg = decodeEcho(payload)
    if (msg.sender !== from) this.#unexpected(from, 'echo names another sender')
    const prev = this.#echoes.get(from)
    if (prev) {
      if (equalBytes(prev, msg.round1Hash)) return
      this.#unexpected(from, 'conflicting echo')
    }
    this.#echoes.set(from, msg.round1Hash)
  }

  #onShare(from: ParticipantId, payload: Uint8Array): void {
    const msg = decodeShare(this.#p.scheme, payload)
    if (msg.dealer !== from || msg.receiver !== this.#p.me) this.#unexpected(from, 'share message for another pair')
    if (!this.#dealers.includes(from)) this.#unexpected(from, 'share from a member that does not deal')
    // an honest dealer sends shares only after every echo, ours included, so the round-1 set is known here
    if (!this.#round1Hash) this.#unexpected(from, 'share before the round-1 set is complete')
    const prev = this.#shares.get(from)
    if (prev) {
      if (equalBytes(prev.share, msg.share) && equalBytes(prev.signature, msg.signature)) return
      this.#unexpected(from, 'conflicting share')
    }
    const statement = shareStatement(this.#context, this.#round1Hash, from, this.#p.me, msg.share)
    let signed = false
    try {
      signed = this.#p.verify(this.#nodeKeys.get(from)!, statement, msg.signature) === true
    } catch {
      signed = false
    }
    if (!signed)
      throw new MpcError('MPC_BAD_MESSAGE_SIGNATURE', `participant ${from} did not sign this share`, {
        participant: from,
      })
    const commitment = this.#round1.get(from)!.msg.commitment
    const valid = shareIsValid(this.#suite, this.#signers, this.#p.me, msg.share, commitment)
    this.#shares.set(from, { share: msg.share, signature: msg.signature, valid })
  }

  #onStatus(from: ParticipantId, payload: Uint8Array): void {
    const msg = decodeStatus(this.#p.scheme, payload)
    if (msg.sender !== from) this.#unexpected(from, 'status names another sender')
    const prev = this.#statuses.get(from)
    if (prev) {
      if (equalBytes(prev.bytes, payload)) return
      this.#unexpected(from, 'conflicting status')
    }
    const seen = new Set<ParticipantId>()
    for (const c of msg.complaints) {
      if (!this.#dealers.includes(c.dealer) || c.dealer === from || seen.has(c.dealer))
        this.#unexpected(from, 'complaint about a member that did not deal to it')
      seen.add(c.dealer)
    }
    this.#statuses.set(from, { bytes: payload.slice(), complaints: msg.complaints })
  }

  /** Move through the rounds as far as the messages allow. */
  #advance(): ProtocolMessage[] {
    const out: ProtocolMessage[] = []
    const me = this.#p.me
    if (!this.#round1Hash && this.#round1.size === this.#dealers.length) {
      this.#round1Hash = round1SetHash(
        this.#context,
        new Map([...this.#round1].map(([id, r]) => [id, r.bytes] as const)),
      )
      this.#echoes.set(me, this.#round1Hash)
      out.push({ round: DKG_ROUNDS.echo, to: 'all', payload: encodeEcho({ sender: me, round1Hash: this.#round1Hash }) })
    }
    if (this.#round1Hash && !this.#echoChecked && this.#echoes.size === this.#ids.length) {
      const disagreeing = this.#ids.filter((id) => !equalBytes(this.#echoes.get(id)!, this.#round1Hash!))
      if (disagreeing.length > 0) {
        this.#finish({ kind: 'abort', reason: 'split-view', culprits: [], disagreeing, findings: [] })
        return out
      }
      this.#echoChecked = true
      const dealt = this.#deal()
      if (!dealt) return out
      out.push(...dealt)
    }
    if (this.#echoChecked && !this.#statusSent && this.#shares.size === this.#dealers.length) {
      this.#statusSent = true
      const complaints = [...this.#shares]
        .filter(([, s]) => !s.valid)
        .map(([dealer, s]) => ({ dealer, share: s.share, signature: s.signature }))
      const bytes = encodeStatus(this.#p.scheme, { sender: me, complaints })
      this.#statuses.set(me, { bytes, complaints })
      out.push({ round: DKG_ROUNDS.status, to: 'all', payload: bytes })
    }
    if (this.#statusSent && this.#statuses.size === this.#ids.length) this.#conclude()
    return out
  }

  /** After a matching echo: check every round-1 package, then (as a dealer) send each member its share. */
  #deal(): ProtocolMessage[] | undefined {
    const suite = this.#suite
    const me = this.#p.me
    const others = [...this.#round1].filter(([id]) => id !== me).map(([, r]) => toNobleRound1(suite, r.msg))
    let nobleShares: Record<string, DKG_Round2> | undefined
    let badDealers: ParticipantId[] = []
    if (!this.#p.reshare && this.#secret) {
      // fresh key: noble round2 checks every proof at once; look at packages one by one only if it refuses
      try {
        nobleShares = suite.frost.DKG.round2(this.#secret, others)
      } catch {
        badDealers = this.#badRound1()
      }
      if (!nobleShares && badDealers.length === 0)
        throw new MpcError('MPC_INTERNAL', 'noble DKG round2 refused packages that each verify')
    } else {
      badDealers = this.#badRound1()
    }
    if (badDealers.length > 0) {
      this.#exclude(badDealers.map((participant) => ({ participant, fault: 'bad-round1' as const })))
      return undefined
    }
    // our own share of our own polynomial needs no message
    const out: ProtocolMessage[] = []
    if (!this.#dealers.includes(me)) return out
    const coefficients = (this.#secret as DKG_Secret).coefficients!
    this.#shares.set(me, {
      share: suite.Fn.toBytes(evaluatePolynomial(suite, coefficients, scalarOf(me))),
      signature: new Uint8Array(0),
      valid: true,
    })
    for (const receiver of this.#ids) {
      if (receiver === me) continue
      const share = nobleShares
        ? Uint8Array.from(nobleShares[suite.identifier(receiver)]!.signingShare)
        : suite.Fn.toBytes(evaluatePolynomial(suite, coefficients, scalarOf(receiver)))
      const signature = this.#p.sign(shareStatement(this.#context, this.#round1Hash!, me, receiver, share))
      out.push({
        round: DKG_ROUNDS.share,
        to: receiver,
        payload: encodeShare(this.#p.scheme, { dealer: me, receiver, share, signature }),
      })
      share.fill(0)
    }
    return out
  }

  #badRound1(): ParticipantId[] {
    const constants = this.#p.reshare?.plan.dealerConstants
    return this.#dealers.filter(
      (d) => !round1IsValid(this.#suite, this.#signers.min, this.#round1.get(d)!.msg, constants?.get(d)),
    )
  }

  /** Every status is in: judge the complaints, then finish or name the culprits. */
  #conclude(): void {
    const findings = judgeComplaints(
      {
        suite: this.#suite,
        signers: this.#signers,
        context: this.#context,
        round1Hash: this.#round1Hash!,
        nodeKeys: this.#nodeKeys,
        commitments: new Map([...this.#round1].map(([id, r]) => [id, r.msg.commitment] as const)),
        verify: this.#p.verify,
      },
      new Map([...this.#statuses].map(([id, s]) => [id, s.complaints] as const)),
    )
    if (findings.length > 0) {
      this.#exclude(findings)
      return
    }
    this.#finish(this.#p.reshare ? this.#finishReshare() : this.#finishFresh())
  }

  #exclude(findings: DkgFinding[]): void {
    const needDealers = this.#p.reshare ? this.#p.reshare.plan.oldThreshold : this.#signers.min
    this.#finish(exclusionOutcome(findings, this.#ids, this.#dealers, this.#signers.min, needDealers))
  }

  #finishFresh(): DkgOutcome {
    const suite = this.#suite
    const me = this.#p.me
    const others = [...this.#round1].filter(([id]) => id !== me).map(([, r]) => toNobleRound1(suite, r.msg))
    const received = [...this.#shares]
      .filter(([id]) => id !== me)
      .map(([id, s]) => ({ identifier: suite.identifier(id), signingShare: s.share }) as DKG_Round2)
    const key = suite.frost.DKG.round3(this.#secret!, others, received)
    return this.#done(
      key.public.commitments[0]!,
      new Map(this.#ids.map((id) => [id, key.public.verifyingShares[suite.identifier(id)]!] as const)),
      Uint8Array.from(key.secret.signingShare),
    )
  }

  #finishReshare(): DkgOutcome {
    const plan = this.#p.reshare!.plan
    const { verifyingShares, share } = combineReshare(
      this.#suite,
      this.#signers.min,
      this.#ids,
      this.#dealers.map((d) => this.#round1.get(d)!.msg.commitment),
      [...this.#shares.values()].map((s) => s.share),
      plan.groupPublicKey,
    )
    return this.#done(plan.groupPublicKey, verifyingShares, share)
  }

  #done(groupPublicKey: Uint8Array, verifyingShares: Map<ParticipantId, Uint8Array>, share: Uint8Array): DkgOutcome {
    if (this.#secret) this.#suite.frost.DKG.clean(this.#secret)
    for (const s of this.#shares.values()) s.share.fill(0)
    const keyPackage = createKeyPackage({
      scheme: this.#p.scheme,
      threshold: this.#signers.min,
      groupPublicKey,
      verifyingShares,
    })
    const myShare = new SecretBytes(share)
    const keyShare = createKeyShare(keyPackage, this.#p.me, myShare)
    return {
      kind: 'done',
      groupPublicKey: keyPackage.groupPublicKey,
      verifyingShares: keyPackage.verifyingShares,
      myShare,
      transcriptHash: transcriptHash(
        this.#context,
        this.#round1Hash!,
        keyPackage.groupPublicKey,
        keyPackage.verifyingShares,
      ),
      keyPackage,
      keyShare,
    }
  }

  #finish(outcome: DkgOutcome): void {
    if (outcome.kind !== 'done' && this.#secret) this.#suite.frost.DKG.clean(this.#secret)
    this.#outcome = outcome
  }
}

/** A DKG (or resharing) session for one attempt; see DkgSession. */
export function createDkgSession(params: DkgParameters): DkgSession {
  return new DkgSession(params)
}
