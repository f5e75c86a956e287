/**
 * The running committee: DKG for every domain of the epoch that has no key yet, and coordinator-based FROST
 * signing, over an injected peer transport (PeerNetwork) and the sealed committee stores. Orchestration only:
 * the protocol math is ../dkg, ../frost, ../derive.
 *
 * Control messages travel on one well-known session per epoch (CONTROL_SESSION): `ctl/dkg` (the leader starts a
 * DKG attempt) and `ctl/sign` (a coordinator asks a member to join a signing session). Everything else travels on
 * the session the control message names (fresh random 32 bytes each time).
 *
 * Preprocessing (FROST's preprocessing stage; RFC 9591 round one does not depend on the message): a coordinator
 * keeps, per member and domain, a pool of that member's nonce commitments. A member makes them on request
 * (`pre/ask` → `pre/batch`), seals their nonces in ONE durable transaction before any commitment leaves, and hands
 * each commitment to exactly one coordinator, which uses it at most once. With pooled commitments for itself and
 * t−1 members, signing is one round (`ctl/sign1` carries the request and the commitment list → `sign/share`); a
 * member that restarted has burned those nonces and answers `stale`, and the coordinator drops its pool and tries
 * again. Without pools (just after start) signing takes the two rounds below.
 *
 * Two-round signing (coordinator = the node that got the API request):
 *  1. check the request (domain, payload, policy), pick itself + t−1 online members by id;
 *  2. `ctl/sign` {sid, domain, predecessor, path, message} → each member checks it independently (domain, policy,
 *     tweak recomputed from predecessor and path), commits, reserves the nonce durably, THEN replies `sign/commit`;
 *  3. the coordinator sends `sign/package` (the commitment list) → each member takes its nonce (erased in the same
 *     transaction) and replies `sign/share`;
 *  4. aggregate (the aggregate is verified first; on failure the bad members are named) — a member that does not
 *     answer in time, refuses or sends a bad share is left out and another subset is tried.
 */
import { createHash } from 'node:crypto'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { equalBytes, fromHex, type SecretBytes, toHex } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import type { PeerMember, ReceivedEnvelope } from '../../net/index.js'
import type { CommitteeStore } from '../../store/index.js'
import { deriveTweak } from '../derive/tweak.js'
import { createDkgSession } from '../dkg/session.js'
import type { DkgParticipant } from '../dkg/types.js'
import { aggregate } from '../frost/aggregate.js'
import { commit } from '../frost/commit.js'
import type { SigningCommitment } from '../frost/commitments.js'
import { signingPublicKey } from '../frost/derivedPackage.js'
import { createKeyShare, type KeyPackage, type KeyShare } from '../frost/keyPackage.js'
import { decodeKeyPackage, encodeKeyPackage } from '../frost/keyPackageCodec.js'
import {
  decodeSignatureShare,
  decodeSigningCommitment,
  encodeSignatureShare,
  encodeSigningCommitment,
} from '../frost/messages.js'
import { signShare } from '../frost/signShare.js'
import { planReshare, type ResharePlan, reshareSecret } from '../reshare/planReshare.js'
import type { ParticipantId, ProtocolMessage, Rng, SchemeId } from '../types.js'
import type { AllowCheck } from './allowList.js'
import type { Committee, CommitteeDomain } from './committeeFile.js'
import { CommitteeError } from './errors.js'

/** What the service needs of the peer transport (PeerNetwork implements it). */
export interface CommitteeTransport {
  readonly id: number
  send(
    recipient: number,
    msg: { sessionId: Uint8Array; round: string; payload: Uint8Array },
    opts?: { timeoutMs?: number },
  ): Promise<void>
  broadcast(
    msg: { sessionId: Uint8Array; round: string; payload: Uint8Array },
    opts?: { timeoutMs?: number },
  ): Promise<{ delivered: number[]; failed: Map<number, Error> }>
  recv(o: { sessionId: Uint8Array; round: string; from?: number; timeoutMs: number }): Promise<ReceivedEnvelope>
  onlinePeers(): number[]
  closeSession(sessionId: Uint8Array): void
}

export interface CommitteeServiceOptions {
  me: ParticipantId
  committee: Committee
  transport: CommitteeTransport
  store: CommitteeStore
  /** this node's Ed25519 node key (signs DKG share statements) */
  sign(message: Uint8Array): Uint8Array
  /** verify a member's node-key signature; must not throw */
  verify(nodeKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /** may `predecessor` use `domainId`? (members check too) */
  allow: AllowCheck
  rng: Rng
  logger?: Logger
  registry?: Registry
  /** a member that does not answer a signing round within this is skipped (default 2000 ms) */
  signTimeoutMs?: number
  /** one DKG round (default 10000 ms) */
  dkgRoundTimeoutMs?: number
  /** wait between DKG attempts (default 1000 ms) */
  dkgRetryMs?: number
  /** how many signing subsets to try (default 3) */
  signAttempts?: number
  /**
   * Called once this node activated new keys (a DKG or a resharing completed at every member): the EVM
   * committee source votes them on chain (`votePk` / `voteReshared`). Errors are logged, never thrown back.
   */
  onKeysActivated?(event: KeysActivated): void | Promise<void>
}

export interface KeysActivated {
  epoch: bigint
  kind: 'dkg' | 'reshare'
  attemptId: bigint
  domains: Array<{ id: number; scheme: SchemeId; publicKey: Uint8Array }>
}

export interface SignRequest {
  domainId: number
  predecessor: string
  path: string
  message: Uint8Array
}

export interface SignResult {
  scheme: SchemeId
  signature: Uint8Array
  /** the derived key the signature verifies under */
  publicKey: Uint8Array
  signers: ParticipantId[]
  attempts: number
  /** 1: preprocessed commitments (one round trip); 2: commit and sign rounds */
  rounds: 1 | 2
}

export interface DomainStatus {
  id: number
  scheme: SchemeId
  purpose: 'Sign'
  /** group public key (FROST encoding) as hex, or null before the DKG */
  publicKey: string | null
}

export interface CommitteeStatus {
  epoch: string
  threshold: number
  me: ParticipantId
  participants: Array<{ id: ParticipantId; url: string; node_key: string; online: boolean }>
  domains: DomainStatus[]
  online_peers: ParticipantId[]
  /**
   * running: every domain has its key; dkg / resharing: a key event is in progress; waiting-for-peers: a key
   * event is due and waits until every member is online; resharing-needed: this epoch's keys must come from a
   * resharing that cannot run (too few old members in the new set, or none online to lead it)
   */
  status: 'running' | 'dkg' | 'resharing' | 'waiting-for-peers' | 'resharing-needed'
  /** the earlier epoch whose keys this node holds, while they wait to be reshared (null otherwise) */
  reshare_from: string | null
  dkg_attempts: number
  nonces: { reserved: number; used: number; burned: number }
  /** preprocessed commitments: held = other members' (and our own) this node can sign with; handed = our nonces others hold */
  preprocessed: { held: number; handed: number }
}

/** The control session of every epoch: sha256("custos-mpc/control"). */
export const CONTROL_SESSION = new Uint8Array(createHash('sha256').update('custos-mpc/control').digest())

const ROUND = {
  ctlNeed: 'ctl/need',
  ctlSign1: 'ctl/sign1',
  preAsk: 'pre/ask',
  preBatch: 'pre/batch',
  ctlDkg: 'ctl/dkg',
  ctlReshare: 'ctl/reshare',
  ctlSign: 'ctl/sign',
  signCommit: 'sign/commit',
  signPackage: 'sign/package',
  signShare: 'sign/share',
  dkgOk: 'dkg/ok',
} as const

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
function dec<T>(b: Uint8Array): T | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(b)) as T
  } catch {
    return undefined
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface DomainKey {
  domain: CommitteeDomain
  pkg: KeyPackage
  share: KeyShare
  /** sha256 of the encoded public package, hex (first 16 bytes): members compare it before they contribute */
  pkgHash: string
}

const packageHash = (pkg: KeyPackage) =>
  createHash('sha256').update(encodeKeyPackage(pkg)).digest().subarray(0, 16).toString('hex')

interface CtlSign {
  sid: string
  domain: number
  predecessor: string
  path: string
  message: string
  /** the coordinator's key package hash: a member holding another package (stale shares) refuses */
  pkg?: string
}

interface CtlDkg {
  attempt: string
  sid: string
  domains: number[]
  participants: number[]
}

/** The leader's resharing start: the old epoch's public key packages travel with it (joiners have none). */
interface CtlReshare {
  attempt: string
  sid: string
  old_epoch: string
  participants: number[]
  threshold: number
  dealers: number[]
  domains: Array<{ id: number; package: string }>
}

/** Preprocessed commitments: one batch per ask, refill below LOW, at most CAP outstanding per coordinator+domain. */
const POOL_BATCH = 16
const POOL_LOW = 6
const POOL_CAP = 64

/** A member's preprocessed commitment as the coordinator holds it (id = the member's nonce session id). */
interface Pooled {
  id: Uint8Array
  commitment: SigningCommitment
}

/** A preprocessed nonce this member reserved and handed to one coordinator (in memory: lost with the process, whose restart burns the nonce). */
interface Handed {
  coordinator: ParticipantId
  domainId: number
  commitment: SigningCommitment
  seq: number
}

interface CtlSign1 extends CtlSign {
  commitments: Array<{ id: string; commitment: string }>
}

type SignAttempt =
  | { ok: true; signature: Uint8Array }
  /** blame: left out of the next attempt; stale: their preprocessed commitments are gone (pool dropped, not blamed) */
  | { ok: false; blame: ParticipantId[]; stale?: ParticipantId[]; problem: string }

const poolKey = (member: ParticipantId, domainId: number) => `${member}/${domainId}`

/** A key this node holds from an earlier epoch, waiting to be reshared into the committee's epoch. */
interface OldKey {
  epoch: bigint
  pkg: KeyPackage
  share: KeyShare
}

/** One domain of a key-event attempt: a fresh DKG, or a resharing with its plan (and our dealt secret). */
interface AttemptDomain {
  domain: CommitteeDomain
  reshare?: { plan: ResharePlan; secret?: SecretBytes }
}

/** Payload checks per scheme: Ed25519 raw bytes 0..1232; secp256k1 schemes a 32-byte digest. */
export function checkPayload(scheme: SchemeId, message: Uint8Array): void {
  if (scheme === 'Ed25519') {
    if (message.length > 1232) throw new CommitteeError('MPC_BAD_REQUEST', 'an Eddsa payload is at most 1232 bytes')
  } else if (message.length !== 32) {
    throw new CommitteeError('MPC_BAD_REQUEST', `a ${scheme} payload is a 32-byte digest (Ecdsa: hex of 32 bytes)`)
  }
}

export class CommitteeService {
  readonly #o: CommitteeServiceOptions
  readonly #log: Logger
  readonly #committee: Committee
  readonly #keys = new Map<number, DomainKey>()
  readonly #t: CommitteeTransport
  readonly #signTimeout: number
  readonly #dkgTimeout: number
  #closed = false
  #dkgRunning: { attempt: bigint; kind: 'dkg' | 'reshare'; sessions: Uint8Array[]; cancelled: boolean } | undefined
  #nextDkgAt = 0
  /** keys of an earlier epoch this node holds for domains of this epoch that have no key yet (it deals them) */
  readonly #old = new Map<number, OldKey>()
  /** why this node cannot lead the resharing it waits for (logged once per reason) */
  #reshareBlocked: string | undefined
  /** coordinator: preprocessed commitments per `member/domain` (this node's own included) */
  readonly #pool = new Map<string, Pooled[]>()
  readonly #refilling = new Set<string>()
  /** member: preprocessed nonces handed out, by nonce session id (hex) */
  readonly #handed = new Map<string, Handed>()
  #handedSeq = 0
  #lastOnline = new Set<ParticipantId>()
  #rotate = 0
  /** members that said they lack this epoch's key of some domains (rejoin), with when they last said so */
  readonly #needy = new Map<ParticipantId, { domains: number[]; at: number }>()
  /** domains whose shares turned out stale (another package in use): rejoin them */
  readonly #dropped = new Set<number>()
  /** per domain: package hashes other members sign with that differ from ours, and who uses them */
  readonly #mismatch = new Map<number, Map<string, Set<ParticipantId>>>()
  #lastNeedSent = 0
  #dkgAttempts = 0
  #timer: NodeJS.Timeout | undefined
  readonly #loops: Promise<void>[] = []
  readonly #m:
    | {
        signatures: Counter<'scheme'>
        failures: Counter<'reason'>
        rounds: Histogram<'round'>
        online: Gauge
        dkg: Histogram<'outcome'>
      }
    | undefined

  constructor(o: CommitteeServiceOptions) {
    this.#o = o
    this.#log = o.logger ?? nullLogger
    this.#committee = o.committee
    this.#t = o.transport
    this.#signTimeout = o.signTimeoutMs ?? 2000
    this.#dkgTimeout = o.dkgRoundTimeoutMs ?? 10_000
    if (!o.committee.participants.some((p) => p.id === o.me))
      throw new CommitteeError('MPC_BAD_REQUEST', `participant ${o.me} is not in the committee file`)
    const r = o.registry
    this.#m = r && {
      signatures: new Counter({
        name: 'custos_mpc_signatures_total',
        help: 'Threshold signatures this node coordinated, by scheme',
        labelNames: ['scheme'] as const,
        registers: [r],
      }),
      failures: new Counter({
        name: 'custos_mpc_sign_failures_total',
        help: 'Sign requests this node coordinated that failed, by reason',
        labelNames: ['reason'] as const,
        registers: [r],
      }),
      rounds: new Histogram({
        name: 'custos_mpc_round_seconds',
        help: 'Committee round latency as the coordinator sees it (commit, share, sign = whole request, dkg)',
        labelNames: ['round'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [r],
      }),
      online: new Gauge({
        name: 'custos_mpc_online_members',
        help: 'Committee members online, this node included',
        registers: [r],
        collect: () => undefined,
      }),
      dkg: new Histogram({
        name: 'custos_mpc_dkg_seconds',
        help: 'DKG attempts (all missing domains), by outcome',
        labelNames: ['outcome'] as const,
        buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
        registers: [r],
      }),
    }
    this.#m?.online.set(1)
  }

  get committee(): Committee {
    return this.#committee
  }

  /** Load stored keys, start the control loops and the DKG leader tick. */
  start(): void {
    const epochState = this.#o.store.epochs.get()
    if (epochState && epochState.epoch > this.#committee.epoch)
      throw new CommitteeError(
        'MPC_BAD_REQUEST',
        `this node's state is at epoch ${epochState.epoch}, after the committee file's epoch ${this.#committee.epoch}`,
      )
    for (const d of this.#committee.domains) this.#load(d)
    this.#loadOld()
    this.#loops.push(this.#controlLoop(ROUND.ctlSign, (e) => this.#onSignRequest(e)))
    this.#loops.push(this.#controlLoop(ROUND.ctlSign1, (e) => this.#onSignRequest1(e)))
    this.#loops.push(this.#controlLoop(ROUND.preAsk, (e) => this.#onPreAsk(e)))
    this.#loops.push(this.#controlLoop(ROUND.preBatch, (e) => this.#onPreBatch(e)))
    this.#loops.push(this.#controlLoop(ROUND.ctlDkg, (e) => this.#onDkgStart(e)))
    this.#loops.push(this.#controlLoop(ROUND.ctlReshare, (e) => this.#onReshareStart(e)))
    this.#loops.push(this.#controlLoop(ROUND.ctlNeed, (e) => this.#onNeed(e)))
    this.#timer = setInterval(() => this.#tick(), 250)
    this.#timer.unref()
    this.#log.info(
      {
        me: this.#o.me,
        epoch: String(this.#committee.epoch),
        threshold: this.#committee.threshold,
        keys: [...this.#keys.keys()],
        reshareFrom: this.#old.size > 0 ? String([...this.#old.values()][0]!.epoch) : null,
        reshareDomains: this.#reshareDomains(),
      },
      'committee service started',
    )
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    if (this.#dkgRunning) this.#cancelDkg()
  }

  /** Domains of the epoch whose key this node holds. */
  readyDomains(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b)
  }

  /** All domains have keys. */
  get ready(): boolean {
    return this.#committee.domains.every((d) => this.#keys.has(d.id))
  }

  domain(id: number): CommitteeDomain {
    const d = this.#committee.domains.find((x) => x.id === id)
    if (!d) throw new CommitteeError('MPC_UNKNOWN_DOMAIN', `no domain ${id} in epoch ${this.#committee.epoch}`)
    return d
  }

  /** The root public key of a domain (FROST encoding). */
  publicKey(domainId: number): { scheme: SchemeId; publicKey: Uint8Array } {
    const d = this.domain(domainId)
    const k = this.#keys.get(domainId)
    if (!k) throw new CommitteeError('MPC_KEY_NOT_READY', `the key of domain ${domainId} has not been generated yet`)
    return { scheme: d.scheme, publicKey: k.pkg.groupPublicKey }
  }

  /** The key signatures for (predecessor, path) verify under. */
  derivedPublicKey(domainId: number, predecessor: string, path: string): { scheme: SchemeId; publicKey: Uint8Array } {
    const d = this.domain(domainId)
    const k = this.#keys.get(domainId)
    if (!k) throw new CommitteeError('MPC_KEY_NOT_READY', `the key of domain ${domainId} has not been generated yet`)
    return { scheme: d.scheme, publicKey: signingPublicKey(k.pkg, deriveTweak(predecessor, path)) }
  }

  onlineMembers(): ParticipantId[] {
    const ids = new Set(this.#committee.participants.map((p) => p.id))
    return [this.#o.me, ...this.#t.onlinePeers().filter((id) => ids.has(id))].sort((a, b) => a - b)
  }

  status(): CommitteeStatus {
    const online = new Set(this.onlineMembers())
    const n = this.#o.store.nonces.counts()
    return {
      epoch: String(this.#committee.epoch),
      threshold: this.#committee.threshold,
      me: this.#o.me,
      participants: this.#committee.participants.map((p) => ({
        id: p.id,
        url: p.url,
        node_key: toHex(p.nodeKey),
        online: online.has(p.id),
      })),
      domains: this.#committee.domains.map((d) => {
        const k = this.#keys.get(d.id)
        return { id: d.id, scheme: d.scheme, purpose: d.purpose, publicKey: k ? toHex(k.pkg.groupPublicKey) : null }
      }),
      online_peers: this.#t.onlinePeers(),
      status: this.ready
        ? 'running'
        : this.#dkgRunning
          ? this.#dkgRunning.kind === 'reshare'
            ? 'resharing'
            : 'dkg'
          : this.#reshareBlocked
            ? 'resharing-needed'
            : 'waiting-for-peers',
      reshare_from: this.#old.size > 0 ? String([...this.#old.values()][0]!.epoch) : null,
      dkg_attempts: this.#dkgAttempts,
      nonces: { reserved: n.reserved, used: n.used, burned: n.burned },
      preprocessed: {
        held: [...this.#pool.values()].reduce((a, p) => a + p.length, 0),
        handed: this.#handed.size,
      },
    }
  }

  // ---------------------------------------------------------------- signing (coordinator)

  /** Check a request as every member does: domain, key, payload, policy. Returns the key and tweak. */
  #check(req: SignRequest): { key: DomainKey; tweak: Uint8Array } {
    const d = this.domain(req.domainId)
    checkPayload(d.scheme, req.message)
    if (!this.#o.allow(req.predecessor, req.domainId))
      throw new CommitteeError(
        'MPC_FORBIDDEN',
        `predecessor ${JSON.stringify(req.predecessor.slice(0, 128))} may not use domain ${req.domainId}`,
      )
    const key = this.#keys.get(req.domainId)
    if (!key)
      throw new CommitteeError('MPC_KEY_NOT_READY', `the key of domain ${req.domainId} has not been generated yet`)
    const tweak = deriveTweak(req.predecessor, req.path)
    return { key, tweak }
  }

  /** Coordinate one threshold signature. */
  async sign(req: SignRequest): Promise<SignResult> {
    const started = performance.now()
    const { key, tweak } = this.#check(req)
    const t = this.#committee.threshold
    const excluded = new Set<ParticipantId>()
    const attempts = this.#o.signAttempts ?? 3
    let lastProblem = 'no attempt made'
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const online = this.onlineMembers().filter((id) => !excluded.has(id) || id === this.#o.me)
      if (online.length < t) {
        const all = this.onlineMembers().length
        if (attempt === 1 || all < t) {
          this.#m?.failures.inc({ reason: 'not_enough_online' })
          throw new CommitteeError('MPC_NOT_ENOUGH_ONLINE', `not enough participants online (${all} of ${t} needed)`, {
            online: all,
            threshold: t,
          })
        }
        break
      }
      const pick = this.#pickSigners(online, t, key.domain.id)
      const signers = [this.#o.me, ...pick.others].sort((a, b) => a - b)
      const r = pick.pooled
        ? await this.#signPooled(key, req, tweak, signers)
        : await this.#signOnce(key, req, tweak, signers)
      this.#refill(key, online)
      if (r.ok) {
        this.#m?.signatures.inc({ scheme: key.domain.scheme })
        this.#m?.rounds.observe({ round: 'sign' }, (performance.now() - started) / 1000)
        return {
          scheme: key.domain.scheme,
          signature: r.signature,
          publicKey: signingPublicKey(key.pkg, tweak),
          signers,
          attempts: attempt,
          rounds: pick.pooled ? 1 : 2,
        }
      }
      lastProblem = r.problem
      for (const id of r.blame) excluded.add(id)
      for (const id of r.stale ?? []) this.#dropPools(id)
      this.#log.warn({ attempt, signers, blame: r.blame, problem: r.problem }, 'signing attempt failed; retrying')
    }
    this.#m?.failures.inc({ reason: 'attempts_exhausted' })
    throw new CommitteeError('MPC_SIGN_FAILED', `the committee could not sign: ${lastProblem}`)
  }

  async #signOnce(key: DomainKey, req: SignRequest, tweak: Uint8Array, signers: ParticipantId[]): Promise<SignAttempt> {
    const me = this.#o.me
    const scheme = key.domain.scheme
    const sid = this.#o.rng(32)
    const others = signers.filter((id) => id !== me)
    const epoch = this.#committee.epoch
    const nonces = this.#o.store.nonces
    const t0 = performance.now()
    const ctl: CtlSign = {
      pkg: key.pkgHash,
      sid: toHex(sid),
      domain: key.domain.id,
      predecessor: req.predecessor,
      path: req.path,
      message: toHex(req.message),
    }
    const payload = enc(ctl)
    const sendFailed: ParticipantId[] = []
    // ask the members first; our own commitment is made (and its nonce sealed) while they work on theirs, and
    // it leaves this node only in the signing package, after the reservation committed
    const asked = Promise.all(
      others.map((id) =>
        this.#t
          .send(id, { sessionId: CONTROL_SESSION, round: ROUND.ctlSign, payload }, { timeoutMs: this.#signTimeout })
          .catch(() => {
            sendFailed.push(id)
          }),
      ),
    )
    await new Promise((r) => setImmediate(r)) // the requests leave before our own work starts
    let own: ReturnType<typeof commit>
    try {
      own = commit(key.share, this.#o.rng)
      nonces.reserve({ epoch, domainId: key.domain.id, sessionId: sid, nonce: own.nonces })
    } catch (e) {
      await asked
      this.#abortSession(sid, others)
      this.#t.closeSession(sid)
      throw e
    }
    let ownTaken = false
    try {
      await asked
      if (sendFailed.length > 0) {
        this.#abortSession(
          sid,
          others.filter((id) => !sendFailed.includes(id)),
        )
        return { ok: false, blame: sendFailed, problem: `members ${sendFailed.join(', ')} unreachable` }
      }
      const commitments: SigningCommitment[] = [own.commitment]
      const commitReplies = await this.#collect(sid, ROUND.signCommit, others)
      const blame: ParticipantId[] = []
      const refused: string[] = []
      for (const id of others) {
        const r = commitReplies.get(id)
        const body = r && dec<{ ok: boolean; commitment?: string; reason?: string; pkg?: string }>(r.payload)
        if (typeof body?.pkg === 'string' && body.pkg !== key.pkgHash) this.#notePackageMismatch(key, id, body.pkg)
        if (!body?.ok || !body.commitment) {
          blame.push(id)
          if (body && typeof body.reason === 'string') refused.push(`${id}: ${body.reason.slice(0, 120)}`)
          continue
        }
        try {
          const c = decodeSigningCommitment(scheme, fromHex(body.commitment))
          if (c.participant !== id) throw new Error('wrong participant')
          commitments.push(c)
        } catch {
          blame.push(id)
        }
      }
      this.#m?.rounds.observe({ round: 'commit' }, (performance.now() - t0) / 1000)
      if (blame.length > 0) {
        this.#abortSession(
          sid,
          others.filter((id) => !blame.includes(id)),
        )
        return {
          ok: false,
          blame,
          problem:
            refused.length > 0
              ? `members refused (${refused.join('; ')})`
              : `members ${blame.join(', ')} did not commit in time`,
        }
      }
      const t1 = performance.now()
      const pkgPayload = enc({ commitments: commitments.map((c) => toHex(encodeSigningCommitment(scheme, c))) })
      const sent = Promise.all(
        others.map((id) =>
          this.#t
            .send(
              id,
              { sessionId: sid, round: ROUND.signPackage, payload: pkgPayload },
              { timeoutMs: this.#signTimeout },
            )
            .catch(() => undefined),
        ),
      )
      // let the packages go out, then make our own share while the members make theirs
      await new Promise((r) => setImmediate(r))
      const taken = nonces.take(sid)
      ownTaken = true
      const shares = new Map<ParticipantId, Uint8Array>()
      try {
        shares.set(me, signShare(key.share, taken.nonce, commitments, req.message, tweak, own.commitment))
      } finally {
        taken.nonce.wipe()
      }
      await sent
      const shareReplies = await this.#collect(sid, ROUND.signShare, others)
      for (const id of others) {
        const r = shareReplies.get(id)
        const body = r && dec<{ ok: boolean; share?: string }>(r.payload)
        if (!body?.ok || !body.share) {
          blame.push(id)
          continue
        }
        try {
          const s = decodeSignatureShare(scheme, fromHex(body.share))
          if (s.participant !== id) throw new Error('wrong participant')
          shares.set(id, s.share)
        } catch {
          blame.push(id)
        }
      }
      this.#m?.rounds.observe({ round: 'share' }, (performance.now() - t1) / 1000)
      if (blame.length > 0) return { ok: false, blame, problem: `members ${blame.join(', ')} sent no signature share` }
      const agg = aggregate(key.pkg, commitments, req.message, shares, tweak)
      if (agg.ok) return { ok: true, signature: agg.signature }
      this.#log.warn({ bad: agg.badParticipants, domain: key.domain.id }, 'bad signature shares: members named')
      return {
        ok: false,
        blame: agg.badParticipants.filter((id) => id !== me),
        problem: `bad signature shares from members ${agg.badParticipants.join(', ')}`,
      }
    } finally {
      if (!ownTaken) nonces.discard(sid)
      this.#t.closeSession(sid)
    }
  }

  // ---------------------------------------------------------------- preprocessed commitments

  /** Signers for one attempt: one round when this node and t−1 online members have pooled commitments. */
  #pickSigners(online: ParticipantId[], t: number, domainId: number): { others: ParticipantId[]; pooled: boolean } {
    const me = this.#o.me
    const candidates = online.filter((id) => id !== me)
    const has = (id: ParticipantId) => (this.#pool.get(poolKey(id, domainId))?.length ?? 0) > 0
    const ready = candidates.filter(has)
    if (has(me) && ready.length >= t - 1) {
      // rotate over the ready members, so concurrent requests spread over the committee
      const start = this.#rotate++ % ready.length
      return { others: [...ready.slice(start), ...ready.slice(0, start)].slice(0, t - 1), pooled: true }
    }
    return { others: candidates.slice(0, t - 1), pooled: false }
  }

  /** Ask for more commitments where a pool (this node's own included) ran low. */
  #refill(key: DomainKey, online: ParticipantId[]): void {
    const d = key.domain.id
    for (const id of online) {
      const k = poolKey(id, d)
      if ((this.#pool.get(k)?.length ?? 0) >= POOL_LOW || this.#refilling.has(k)) continue
      this.#refilling.add(k)
      if (id === this.#o.me) {
        setImmediate(() => {
          try {
            if (!this.#closed && this.#keys.get(d) === key) this.#addToPool(id, d, this.#makeBatch(key, id, POOL_BATCH))
          } catch (e) {
            this.#log.warn({ err: (e as Error).message, domain: d }, 'could not preprocess own commitments')
          } finally {
            this.#refilling.delete(k)
          }
        })
        continue
      }
      const payload = enc({ domain: d, count: POOL_BATCH })
      this.#t
        .send(id, { sessionId: CONTROL_SESSION, round: ROUND.preAsk, payload }, { timeoutMs: this.#signTimeout })
        .catch(() => this.#refilling.delete(k))
      setTimeout(() => this.#refilling.delete(k), 4 * this.#signTimeout).unref()
    }
  }

  #addToPool(member: ParticipantId, domainId: number, items: Pooled[]): void {
    const k = poolKey(member, domainId)
    const pool = this.#pool.get(k) ?? []
    pool.push(...items.slice(0, Math.max(0, POOL_CAP - pool.length)))
    this.#pool.set(k, pool)
  }

  #dropPools(member: ParticipantId): void {
    for (const k of [...this.#pool.keys()]) if (k.startsWith(`${member}/`)) this.#pool.delete(k)
  }

  /**
   * Member: `count` fresh nonce pairs for `coordinator`, sealed in one durable transaction BEFORE any commitment
   * is returned; beyond CAP outstanding for that coordinator and domain the oldest are burned first (a
   * coordinator that restarted lost them).
   */
  #makeBatch(key: DomainKey, coordinator: ParticipantId, count: number): Pooled[] {
    const d = key.domain.id
    const mine = [...this.#handed.entries()].filter(([, h]) => h.coordinator === coordinator && h.domainId === d)
    const excess = mine.length + count - POOL_CAP
    if (excess > 0) {
      mine.sort((a, b) => a[1].seq - b[1].seq)
      for (const [hex] of mine.slice(0, excess)) {
        this.#o.store.nonces.discard(fromHex(hex))
        this.#handed.delete(hex)
      }
    }
    const made = Array.from({ length: count }, () => ({ id: this.#o.rng(32), c: commit(key.share, this.#o.rng) }))
    try {
      this.#o.store.nonces.reserveMany(
        made.map((m) => ({ epoch: this.#committee.epoch, domainId: d, sessionId: m.id, nonce: m.c.nonces })),
      )
    } finally {
      for (const m of made) m.c.nonces.wipe() // sealed (or not reserved at all)
    }
    for (const m of made)
      this.#handed.set(toHex(m.id), { coordinator, domainId: d, commitment: m.c.commitment, seq: this.#handedSeq++ })
    return made.map((m) => ({ id: m.id, commitment: m.c.commitment }))
  }

  async #onPreAsk(e: ReceivedEnvelope): Promise<void> {
    const body = dec<{ domain?: unknown; count?: unknown }>(e.payload)
    const key = body && Number.isInteger(body.domain) ? this.#keys.get(body.domain as number) : undefined
    if (!key || !Number.isInteger(body?.count)) return
    const count = Math.min(POOL_BATCH, Math.max(1, body!.count as number))
    const items = this.#makeBatch(key, e.sender, count)
    const scheme = key.domain.scheme
    const payload = enc({
      domain: key.domain.id,
      items: items.map((i) => ({ id: toHex(i.id), commitment: toHex(encodeSigningCommitment(scheme, i.commitment)) })),
    })
    await this.#t
      .send(e.sender, { sessionId: CONTROL_SESSION, round: ROUND.preBatch, payload }, { timeoutMs: this.#signTimeout })
      .catch(() => undefined) // never delivered: the nonces stay reserved until the cap or a restart burns them
  }

  async #onPreBatch(e: ReceivedEnvelope): Promise<void> {
    const body = dec<{ domain?: unknown; items?: unknown }>(e.payload)
    const key = body && Number.isInteger(body.domain) ? this.#keys.get(body.domain as number) : undefined
    if (!key || !Array.isArray(body?.items)) return
    this.#refilling.delete(poolKey(e.sender, key.domain.id))
    const items: Pooled[] = []
    try {
      for (const x of body!.items as Array<{ id?: unknown; commitment?: unknown }>) {
        if (typeof x?.id !== 'string' || !/^[0-9a-f]{64}$/.test(x.id) || typeof x.commitment !== 'string')
          throw new Error('malformed item')
        const c = decodeSigningCommitment(key.domain.scheme, fromHex(x.commitment))
        if (c.participant !== e.sender) throw new Error('a commitment of another participant')
        items.push({ id: fromHex(x.id), commitment: c })
      }
    } catch (err) {
      this.#log.warn({ peer: e.sender, err: (err as Error).message }, 'preprocessed commitments refused')
      return
    }
    this.#addToPool(e.sender, key.domain.id, items)
  }

  /** Coordinator, one round: the request and the commitment list go out together; members answer with shares. */
  async #signPooled(
    key: DomainKey,
    req: SignRequest,
    tweak: Uint8Array,
    signers: ParticipantId[],
  ): Promise<SignAttempt> {
    const me = this.#o.me
    const scheme = key.domain.scheme
    const d = key.domain.id
    const picked = new Map<ParticipantId, Pooled>()
    for (const id of signers) picked.set(id, this.#pool.get(poolKey(id, d))!.shift()!) // #pickSigners checked, no await since
    const sid = this.#o.rng(32)
    const others = signers.filter((id) => id !== me)
    const commitments = signers.map((id) => picked.get(id)!.commitment)
    const ctl: CtlSign1 = {
      pkg: key.pkgHash,
      sid: toHex(sid),
      domain: d,
      predecessor: req.predecessor,
      path: req.path,
      message: toHex(req.message),
      commitments: signers.map((id) => ({
        id: toHex(picked.get(id)!.id),
        commitment: toHex(encodeSigningCommitment(scheme, picked.get(id)!.commitment)),
      })),
    }
    const payload = enc(ctl)
    const t0 = performance.now()
    const sendFailed: ParticipantId[] = []
    try {
      const sent = Promise.all(
        others.map((id) =>
          this.#t
            .send(id, { sessionId: CONTROL_SESSION, round: ROUND.ctlSign1, payload }, { timeoutMs: this.#signTimeout })
            .catch(() => {
              sendFailed.push(id)
            }),
        ),
      )
      await new Promise((r) => setImmediate(r)) // the requests leave before our own share is computed
      const shares = new Map<ParticipantId, Uint8Array>()
      shares.set(me, this.#shareFromHanded(key, picked.get(me)!, me, commitments, req.message, tweak))
      await sent
      if (sendFailed.length > 0)
        return { ok: false, blame: sendFailed, problem: `members ${sendFailed.join(', ')} unreachable` }
      const replies = await this.#collect(sid, ROUND.signShare, others)
      const blame: ParticipantId[] = []
      const stale: ParticipantId[] = []
      for (const id of others) {
        const body = dec<{ ok: boolean; share?: string; stale?: boolean; pkg?: string }>(
          replies.get(id)?.payload ?? new Uint8Array(),
        )
        if (typeof body?.pkg === 'string' && body.pkg !== key.pkgHash) this.#notePackageMismatch(key, id, body.pkg)
        if (body?.stale) {
          stale.push(id)
          continue
        }
        try {
          if (!body?.ok || !body.share) throw new Error('no share')
          const sh = decodeSignatureShare(scheme, fromHex(body.share))
          if (sh.participant !== id) throw new Error('wrong participant')
          shares.set(id, sh.share)
        } catch {
          blame.push(id)
        }
      }
      this.#m?.rounds.observe({ round: 'share' }, (performance.now() - t0) / 1000)
      if (blame.length > 0 || stale.length > 0)
        return {
          ok: false,
          blame,
          stale,
          problem:
            blame.length > 0
              ? `members ${blame.join(', ')} sent no signature share`
              : `members ${stale.join(', ')} no longer hold their preprocessed nonces (restarted)`,
        }
      const agg = aggregate(key.pkg, commitments, req.message, shares, tweak)
      if (agg.ok) return { ok: true, signature: agg.signature }
      this.#log.warn({ bad: agg.badParticipants, domain: d }, 'bad signature shares: members named')
      return {
        ok: false,
        blame: agg.badParticipants.filter((id) => id !== me),
        problem: `bad signature shares from members ${agg.badParticipants.join(', ')}`,
      }
    } finally {
      this.#t.closeSession(sid)
    }
  }

  /**
   * The share for a preprocessed commitment this node handed to `coordinator`: the nonce is taken (erased) in
   * one transaction, so it signs at most once. Throws MPC_STALE_NONCE when this process did not hand it out.
   */
  #shareFromHanded(
    key: DomainKey,
    mine: Pooled,
    coordinator: ParticipantId,
    commitments: SigningCommitment[],
    message: Uint8Array,
    tweak: Uint8Array,
  ): Uint8Array {
    const hex = toHex(mine.id)
    const h = this.#handed.get(hex)
    if (
      !h ||
      h.coordinator !== coordinator ||
      h.domainId !== key.domain.id ||
      !equalBytes(h.commitment.hiding, mine.commitment.hiding) ||
      !equalBytes(h.commitment.binding, mine.commitment.binding)
    )
      throw new CommitteeError('MPC_STALE_NONCE', 'no preprocessed nonce of this node matches that commitment')
    this.#handed.delete(hex)
    const taken = this.#o.store.nonces.take(mine.id)
    try {
      return signShare(key.share, taken.nonce, commitments, message, tweak, h.commitment)
    } finally {
      taken.nonce.wipe()
    }
  }

  /** Member, one round: check the request as in two rounds, then sign with the preprocessed nonce it names. */
  async #onSignRequest1(e: ReceivedEnvelope): Promise<void> {
    const from = e.sender
    const ctl = dec<CtlSign1>(e.payload)
    if (!ctl || typeof ctl.sid !== 'string' || !/^[0-9a-f]{64}$/.test(ctl.sid) || !Array.isArray(ctl.commitments)) {
      this.#log.warn({ peer: from }, 'malformed sign request dropped')
      return
    }
    const sid = fromHex(ctl.sid)
    const reply = (body: unknown) =>
      this.#t
        .send(from, { sessionId: sid, round: ROUND.signShare, payload: enc(body) }, { timeoutMs: this.#signTimeout })
        .catch(() => undefined)
    let mine: Pooled | undefined
    let ours: string | undefined
    try {
      if (typeof ctl.message !== 'string' || !/^([0-9a-f]{2})*$/.test(ctl.message))
        throw new CommitteeError('MPC_BAD_REQUEST', 'malformed message')
      const message = fromHex(ctl.message)
      if (typeof ctl.predecessor !== 'string' || typeof ctl.path !== 'string' || !Number.isInteger(ctl.domain))
        throw new CommitteeError('MPC_BAD_REQUEST', 'malformed request')
      const { key, tweak } = this.#check({
        domainId: ctl.domain,
        predecessor: ctl.predecessor,
        path: ctl.path,
        message,
      })
      const list = ctl.commitments.map((c) => {
        if (typeof c?.id !== 'string' || !/^[0-9a-f]{64}$/.test(c.id) || typeof c.commitment !== 'string')
          throw new CommitteeError('MPC_BAD_REQUEST', 'malformed commitment list')
        return { id: fromHex(c.id), commitment: decodeSigningCommitment(key.domain.scheme, fromHex(c.commitment)) }
      })
      mine = list.find((c) => c.commitment.participant === this.#o.me)
      if (!mine) throw new CommitteeError('MPC_BAD_REQUEST', 'the commitment list does not include this member')
      ours = key.pkgHash
      if (typeof ctl.pkg === 'string' && ctl.pkg !== key.pkgHash) {
        this.#notePackageMismatch(key, from, ctl.pkg)
        throw new CommitteeError('MPC_BAD_REQUEST', 'the coordinator signs with another key package of this domain')
      }
      const share = this.#shareFromHanded(
        key,
        mine,
        from,
        list.map((c) => c.commitment),
        message,
        tweak,
      )
      await reply({
        ok: true,
        share: toHex(encodeSignatureShare(key.domain.scheme, { participant: this.#o.me, share })),
      })
    } catch (err) {
      const code = (err as { code?: string }).code
      const stale = code === 'MPC_STALE_NONCE' || (typeof code === 'string' && code.startsWith('STORE_NONCE'))
      const reason = err instanceof Error ? err.message : 'refused'
      this.#log.warn({ peer: from, reason }, stale ? 'sign request names a stale commitment' : 'sign request refused')
      // a refused request never uses the nonce it named: burn it, it is out of the coordinator's pool anyway
      if (mine && !stale && this.#handed.delete(toHex(mine.id))) this.#o.store.nonces.discard(mine.id)
      await reply({ ok: false, reason, ...(stale ? { stale: true } : {}), ...(ours ? { pkg: ours } : {}) })
    } finally {
      this.#t.closeSession(sid)
    }
  }

  /** Tell members holding a reserved nonce for `sid` that the session is off (they burn it). */
  #abortSession(sid: Uint8Array, to: ParticipantId[]): void {
    const payload = enc({ abort: true })
    for (const id of to)
      this.#t
        .send(id, { sessionId: sid, round: ROUND.signPackage, payload }, { timeoutMs: 1000 })
        .catch(() => undefined)
  }

  /** One `round` message from each of `from` within the sign timeout; missing ones are simply absent. */
  async #collect(sid: Uint8Array, round: string, from: ParticipantId[]): Promise<Map<ParticipantId, ReceivedEnvelope>> {
    const out = new Map<ParticipantId, ReceivedEnvelope>()
    await Promise.all(
      from.map((id) =>
        this.#t
          .recv({ sessionId: sid, round, from: id, timeoutMs: this.#signTimeout })
          .then((e) => {
            out.set(id, e)
          })
          .catch(() => undefined),
      ),
    )
    return out
  }

  // ---------------------------------------------------------------- signing (member)

  async #onSignRequest(e: ReceivedEnvelope): Promise<void> {
    const from = e.sender
    const ctl = dec<CtlSign>(e.payload)
    if (!ctl || typeof ctl.sid !== 'string' || !/^[0-9a-f]{64}$/.test(ctl.sid)) {
      this.#log.warn({ peer: from }, 'malformed sign request dropped')
      return
    }
    const sid = fromHex(ctl.sid)
    const reply = (round: string, body: unknown) =>
      this.#t
        .send(from, { sessionId: sid, round, payload: enc(body) }, { timeoutMs: this.#signTimeout })
        .catch(() => undefined)
    let key: DomainKey
    let tweak: Uint8Array
    let message: Uint8Array
    try {
      if (typeof ctl.message !== 'string' || !/^([0-9a-f]{2})*$/.test(ctl.message))
        throw new CommitteeError('MPC_BAD_REQUEST', 'malformed message')
      message = fromHex(ctl.message)
      if (typeof ctl.predecessor !== 'string' || typeof ctl.path !== 'string' || !Number.isInteger(ctl.domain))
        throw new CommitteeError('MPC_BAD_REQUEST', 'malformed request')
      ;({ key, tweak } = this.#check({ domainId: ctl.domain, predecessor: ctl.predecessor, path: ctl.path, message }))
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'refused'
      this.#log.warn({ peer: from, reason }, 'sign request refused')
      await reply(ROUND.signCommit, { ok: false, reason })
      this.#t.closeSession(sid)
      return
    }
    if (typeof ctl.pkg === 'string' && ctl.pkg !== key.pkgHash) {
      this.#log.warn({ peer: from, domain: key.domain.id }, 'sign request with another key package refused')
      await reply(ROUND.signCommit, { ok: false, reason: 'key package differs', pkg: key.pkgHash })
      this.#notePackageMismatch(key, from, ctl.pkg)
      this.#t.closeSession(sid)
      return
    }
    const nonces = this.#o.store.nonces
    try {
      const c = commit(key.share, this.#o.rng)
      // durable (fsynced) BEFORE the commitment leaves this node
      nonces.reserve({ epoch: this.#committee.epoch, domainId: key.domain.id, sessionId: sid, nonce: c.nonces })
      await reply(ROUND.signCommit, {
        ok: true,
        commitment: toHex(encodeSigningCommitment(key.domain.scheme, c.commitment)),
      })
      let pkg: ReceivedEnvelope
      try {
        pkg = await this.#t.recv({ sessionId: sid, round: ROUND.signPackage, from, timeoutMs: 4 * this.#signTimeout })
      } catch {
        return // finally burns the nonce
      }
      const body = dec<{ commitments?: string[]; abort?: boolean }>(pkg.payload)
      if (!body || body.abort || !Array.isArray(body.commitments)) return
      const commitments = body.commitments.map((h) => decodeSigningCommitment(key.domain.scheme, fromHex(String(h))))
      const mine = commitments.find((x) => x.participant === this.#o.me)
      if (
        !mine ||
        toHex(mine.hiding) !== toHex(c.commitment.hiding) ||
        toHex(mine.binding) !== toHex(c.commitment.binding)
      ) {
        this.#log.warn({ peer: from }, 'signing package does not carry our commitment: refused')
        await reply(ROUND.signShare, { ok: false, reason: 'commitment mismatch' })
        return
      }
      const taken = nonces.take(sid) // erased in the same transaction
      let share: Uint8Array
      try {
        share = signShare(key.share, taken.nonce, commitments, message, tweak, c.commitment)
      } finally {
        taken.nonce.wipe()
      }
      await reply(ROUND.signShare, {
        ok: true,
        share: toHex(encodeSignatureShare(key.domain.scheme, { participant: this.#o.me, share })),
      })
    } catch (err) {
      this.#log.warn({ peer: from, err: err instanceof Error ? err.message : String(err) }, 'signing session failed')
      await reply(ROUND.signShare, { ok: false, reason: 'failed' })
    } finally {
      nonces.discard(sid)
      this.#t.closeSession(sid)
    }
  }

  async #controlLoop(round: string, handle: (e: ReceivedEnvelope) => Promise<void>): Promise<void> {
    while (!this.#closed) {
      let e: ReceivedEnvelope
      try {
        e = await this.#t.recv({ sessionId: CONTROL_SESSION, round, timeoutMs: 5_000 })
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code === 'PEER_CLOSED') return
        if (code !== 'PEER_TIMEOUT') await sleep(100)
        continue
      }
      handle(e).catch((err) =>
        this.#log.warn({ err: err instanceof Error ? err.message : String(err), round }, 'control message failed'),
      )
    }
  }

  // ---------------------------------------------------------------- DKG

  #load(d: CommitteeDomain): void {
    const stored = this.#o.store.shares.get(this.#committee.epoch, d.id)
    if (!stored) return
    try {
      const pkg = decodeKeyPackage(stored.publicPackage)
      if (pkg.scheme !== d.scheme) throw new Error(`stored key is ${pkg.scheme}, the domain is ${d.scheme}`)
      const share = createKeyShare(pkg, this.#o.me, stored.share)
      this.#keys.set(d.id, { domain: d, pkg, share, pkgHash: packageHash(pkg) })
    } catch (e) {
      stored.share.wipe()
      this.#log.error({ domain: d.id, err: (e as Error).message }, 'stored key share does not load')
    }
  }

  /**
   * Keys of the latest earlier epoch this node holds, for this epoch's domains that have no key yet: a resharing
   * deals them into the new epoch (near-mpc.md §4.3). Older epochs than that are stale and erased when it completes.
   */
  #loadOld(): void {
    const epoch = this.#committee.epoch
    const from = this.#o.store.shares
      .epochs()
      .filter((e) => e < epoch)
      .at(-1)
    if (from === undefined) return
    for (const d of this.#committee.domains) {
      if (this.#keys.has(d.id)) continue
      const stored = this.#o.store.shares.get(from, d.id)
      if (!stored) continue
      try {
        const pkg = decodeKeyPackage(stored.publicPackage)
        if (pkg.scheme !== d.scheme) throw new Error(`the stored key is ${pkg.scheme}, the domain is ${d.scheme}`)
        if (d.publicKey && !equalBytes(d.publicKey, pkg.groupPublicKey))
          throw new Error('the committee names another public key for this domain')
        this.#old.set(d.id, { epoch: from, pkg, share: createKeyShare(pkg, this.#o.me, stored.share) })
      } catch (e) {
        stored.share.wipe()
        this.#log.error(
          { domain: d.id, epoch: String(from), err: (e as Error).message },
          'key share of the earlier epoch does not load: this node will not deal it',
        )
      }
    }
  }

  /** Domains without a key in this epoch whose key exists (held here from an earlier epoch, or named by the committee). */
  #reshareDomains(): number[] {
    return this.#committee.domains
      .filter(
        (d) => !this.#keys.has(d.id) && (this.#old.has(d.id) || d.publicKey !== undefined || this.#dropped.has(d.id)),
      )
      .map((d) => d.id)
  }

  /**
   * Another member signs with a different key package of this epoch. When at least max(2, t−1) distinct members
   * agree on one other package, this node's shares are the stale ones (it missed a refresh, e.g. killed between
   * confirming and activating): it stops using them and asks to rejoin.
   */
  #notePackageMismatch(key: DomainKey, member: ParticipantId, theirs: string): void {
    const d = key.domain.id
    if (this.#keys.get(d) !== key || !/^[0-9a-f]{32}$/.test(theirs)) return
    const byHash = this.#mismatch.get(d) ?? new Map<string, Set<ParticipantId>>()
    this.#mismatch.set(d, byHash)
    const members = byHash.get(theirs) ?? new Set<ParticipantId>()
    members.add(member)
    byHash.set(theirs, members)
    if (members.size < Math.max(2, this.#committee.threshold - 1)) return
    this.#log.error(
      { domain: d, ours: key.pkgHash, theirs, members: [...members] },
      'this node holds a key package of this domain that other members no longer use: its shares are stale; ' +
        'they are dropped and the node asks to rejoin',
    )
    this.#keys.delete(d)
    this.#dropped.add(d)
    this.#mismatch.delete(d)
  }

  /** Domains that get a fresh key: no key in this epoch and none anywhere before. */
  #missingDomains(): number[] {
    const reshare = new Set(this.#reshareDomains())
    return this.#committee.domains.filter((d) => !this.#keys.has(d.id) && !reshare.has(d.id)).map((d) => d.id)
  }

  /** The DKG leader is the lowest participant id among online members. */
  #isLeader(): boolean {
    return this.onlineMembers()[0] === this.#o.me
  }

  #tick(): void {
    const online = this.onlineMembers()
    this.#m?.online.set(online.length)
    const now = new Set(online)
    for (const id of this.#lastOnline) if (!now.has(id)) this.#dropPools(id) // it may come back with burned nonces
    this.#lastOnline = now
    if (this.#closed || this.#dkgRunning || Date.now() < this.#nextDkgAt) return
    const all = this.#committee.participants.map((p) => p.id)
    const reshare = this.#reshareDomains()
    if (reshare.length > 0) {
      this.#tickReshare(reshare, online, all)
      return // fresh keys for new domains only once the existing ones moved to this epoch
    }
    if (this.#needy.size > 0) this.#tickRejoin(online, all)
    const missing = this.#missingDomains()
    if (missing.length === 0 || !this.#isLeader()) return
    if (online.length < all.length) return // a fresh key is dealt to every member
    const ctl: CtlDkg = {
      attempt: this.#newAttemptId().toString(),
      sid: toHex(this.#o.rng(32)),
      domains: missing,
      participants: all,
    }
    this.#log.info({ attempt: ctl.attempt, domains: missing }, 'starting a DKG attempt as leader')
    this.#t
      .broadcast({ sessionId: CONTROL_SESSION, round: ROUND.ctlDkg, payload: enc(ctl) }, { timeoutMs: 3000 })
      .catch(() => undefined)
    this.#runDkg(ctl, this.#o.me).catch(() => undefined)
  }

  #newAttemptId(): bigint {
    return BigInt(Date.now()) * 1000n + BigInt(this.#o.rng(2)[0]! * 4)
  }

  /**
   * Resharing leader: the lowest online member that belongs to the old epoch and stays (it holds the old public
   * packages, which joiners need). Every member of the new set must be online: a joiner left out would hold no
   * share of the new epoch.
   */
  #tickReshare(domainIds: number[], online: ParticipantId[], all: ParticipantId[]): void {
    if (!domainIds.every((id) => this.#old.has(id))) {
      // a joiner waits to be led; if the others already run this epoch (it lost its share, or crashed between
      // confirming and activating), it asks them to let it rejoin
      if (Date.now() - this.#lastNeedSent > 2000) {
        this.#lastNeedSent = Date.now()
        const payload = enc({ domains: domainIds.filter((id) => !this.#old.has(id)) })
        this.#t
          .broadcast({ sessionId: CONTROL_SESSION, round: ROUND.ctlNeed, payload }, { timeoutMs: 1000 })
          .catch(() => undefined)
      }
      return
    }
    const first = this.#old.get(domainIds[0]!)!
    const oldMembers = new Set(first.pkg.participants)
    const staying = all.filter((id) => oldMembers.has(id))
    if (staying.length < first.pkg.threshold) {
      this.#blockReshare(
        `only ${staying.length} members of epoch ${first.epoch} stay in epoch ${this.#committee.epoch}; ` +
          `resharing needs ${first.pkg.threshold} (the old threshold): the keys cannot move to this committee`,
      )
      return
    }
    if (online.filter((id) => oldMembers.has(id))[0] !== this.#o.me) return
    if (online.length < all.length) return
    const refused = this.#leadReshare(
      first.epoch,
      staying,
      domainIds.map((id) => this.#old.get(id)!.pkg),
      domainIds,
      { from: String(first.epoch), to: String(this.#committee.epoch) },
      'starting a resharing attempt as leader',
    )
    if (refused) this.#blockReshare(refused)
  }

  /**
   * As leader: build the resharing start (old epoch, dealers, each domain's old public package), check it as
   * every member will, broadcast it and run it. Returns why it cannot start, or undefined once started.
   */
  #leadReshare(
    oldEpoch: bigint,
    dealers: ParticipantId[],
    packages: KeyPackage[],
    domainIds: number[],
    logFields: Record<string, unknown>,
    logMsg: string,
  ): string | undefined {
    const ctl: CtlReshare = {
      attempt: this.#newAttemptId().toString(),
      sid: toHex(this.#o.rng(32)),
      old_epoch: String(oldEpoch),
      participants: this.#committee.participants.map((p) => p.id),
      threshold: this.#committee.threshold,
      dealers,
      domains: domainIds.map((id, i) => ({ id, package: toHex(encodeKeyPackage(packages[i]!)) })),
    }
    let domains: AttemptDomain[]
    try {
      domains = this.#reshareAttemptDomains(ctl, this.#o.me)
    } catch (e) {
      return (e as Error).message
    }
    this.#log.info({ attempt: ctl.attempt, domains: domainIds, dealers, ...logFields }, logMsg)
    this.#t
      .broadcast({ sessionId: CONTROL_SESSION, round: ROUND.ctlReshare, payload: enc(ctl) }, { timeoutMs: 3000 })
      .catch(() => undefined)
    this.#runAttempt('reshare', ctl, this.#o.me, domains).catch(() => undefined)
    return undefined
  }

  async #onNeed(e: ReceivedEnvelope): Promise<void> {
    const body = dec<{ domains?: unknown }>(e.payload)
    if (!body || !Array.isArray(body.domains) || !body.domains.every((d) => Number.isInteger(d))) return
    const domains = (body.domains as number[]).filter((d) => this.#keys.has(d))
    if (domains.length > 0) this.#needy.set(e.sender, { domains, at: Date.now() })
  }

  /**
   * Rejoin (Story's semantics: a member that was down comes back at the current epoch): the members holding this
   * epoch's keys refresh them to the whole set, the member without a share receiving as a joiner. The group key
   * stays; every share changes (a refresh), so the whole committee must be online. Led by the lowest online holder.
   */
  #tickRejoin(online: ParticipantId[], all: ParticipantId[]): void {
    const now = Date.now()
    for (const [id, n] of this.#needy) if (now - n.at > 5000 || !online.includes(id)) this.#needy.delete(id)
    if (this.#needy.size === 0 || online.length < all.length) return
    const holders = online.filter((id) => !this.#needy.has(id))
    if (holders[0] !== this.#o.me) return
    const domainIds = [...new Set([...this.#needy.values()].flatMap((n) => n.domains))]
      .filter((id) => this.#keys.has(id))
      .sort((a, b) => a - b)
    if (domainIds.length === 0) return
    const rejoining = [...this.#needy.keys()]
    const refused = this.#leadReshare(
      this.#committee.epoch,
      holders,
      domainIds.map((id) => this.#keys.get(id)!.pkg),
      domainIds,
      { rejoining },
      'starting a rejoin (a refresh at this epoch) as leader',
    )
    if (refused) this.#log.warn({ err: refused }, 'cannot let the members without a share rejoin')
    else this.#needy.clear()
  }

  #blockReshare(reason: string): void {
    if (this.#reshareBlocked !== reason) this.#log.error({ epoch: String(this.#committee.epoch) }, reason)
    this.#reshareBlocked = reason
  }

  async #onDkgStart(e: ReceivedEnvelope): Promise<void> {
    const ctl = dec<CtlDkg>(e.payload)
    if (
      !ctl ||
      typeof ctl.attempt !== 'string' ||
      !/^\d{1,19}$/.test(ctl.attempt) ||
      !/^[0-9a-f]{64}$/.test(String(ctl.sid)) ||
      !Array.isArray(ctl.domains) ||
      !Array.isArray(ctl.participants)
    ) {
      this.#log.warn({ peer: e.sender }, 'malformed DKG start dropped')
      return
    }
    await this.#runDkg(ctl, e.sender)
  }

  async #onReshareStart(e: ReceivedEnvelope): Promise<void> {
    const ctl = dec<CtlReshare>(e.payload)
    if (
      !ctl ||
      typeof ctl.attempt !== 'string' ||
      !/^\d{1,19}$/.test(ctl.attempt) ||
      !/^[0-9a-f]{64}$/.test(String(ctl.sid)) ||
      typeof ctl.old_epoch !== 'string' ||
      !/^\d{1,19}$/.test(ctl.old_epoch) ||
      !Array.isArray(ctl.participants) ||
      !Array.isArray(ctl.dealers) ||
      !Number.isInteger(ctl.threshold) ||
      !Array.isArray(ctl.domains)
    ) {
      this.#log.warn({ peer: e.sender }, 'malformed resharing start dropped')
      return
    }
    let domains: AttemptDomain[]
    try {
      domains = this.#reshareAttemptDomains(ctl, e.sender)
    } catch (err) {
      this.#log.warn({ peer: e.sender, reason: (err as Error).message }, 'resharing start refused')
      return
    }
    await this.#runAttempt('reshare', ctl, e.sender, domains)
  }

  /**
   * Check a resharing start as every member does, and build its plans. The new set and threshold must be this
   * committee's; each old package must be the one this node holds for that epoch (an old member), or carry the
   * domain's known public key (a joiner, when the committee names it); the plan pins every dealer's constant to
   * its old verifying share, so the dealers cannot move the key. Throws with the reason.
   */
  #reshareAttemptDomains(ctl: CtlReshare, leader: ParticipantId): AttemptDomain[] {
    const c = this.#committee
    const oldEpoch = BigInt(ctl.old_epoch)
    if (oldEpoch > c.epoch) throw new Error(`epoch ${oldEpoch} is after this committee's epoch ${c.epoch}`)
    // the same epoch: a rejoin, the holders of this epoch's keys refresh them to include members without a share
    const rejoin = oldEpoch === c.epoch
    const all = c.participants.map((p) => p.id)
    const sameSet =
      ctl.participants.length === all.length &&
      [...ctl.participants].sort((a, b) => a - b).every((id, i) => id === all[i])
    if (!sameSet || ctl.threshold !== c.threshold)
      throw new Error('the resharing names another member set or threshold than this epoch')
    if (!ctl.dealers.includes(leader)) throw new Error(`the leader ${leader} is not one of the dealers`)
    if (ctl.domains.length === 0) throw new Error('no domain to reshare')
    const out: AttemptDomain[] = []
    for (const x of ctl.domains) {
      const d = c.domains.find((y) => y.id === x?.id)
      if (!d) throw new Error(`domain ${String(x?.id)} is not in epoch ${c.epoch}`)
      if (!rejoin && this.#keys.has(d.id))
        throw new Error(`this node already holds the epoch ${c.epoch} key of domain ${d.id}`)
      if (typeof x.package !== 'string' || !/^([0-9a-f]{2})+$/.test(x.package))
        throw new Error(`malformed key package of domain ${d.id}`)
      const pkg = decodeKeyPackage(fromHex(x.package))
      if (pkg.scheme !== d.scheme)
        throw new Error(`the key package of domain ${d.id} is ${pkg.scheme}, not ${d.scheme}`)
      if (d.publicKey && !equalBytes(d.publicKey, pkg.groupPublicKey))
        throw new Error(`the key package of domain ${d.id} carries another public key than the committee names`)
      const current = this.#keys.get(d.id)
      const mine = rejoin ? current && { epoch: c.epoch, pkg: current.pkg, share: current.share } : this.#old.get(d.id)
      const holdsThatEpoch = mine !== undefined && mine.epoch === oldEpoch
      if (holdsThatEpoch && !equalBytes(encodeKeyPackage(mine.pkg), fromHex(x.package)))
        throw new Error(`the key package of domain ${d.id} differs from the one this node holds for epoch ${oldEpoch}`)
      if (!holdsThatEpoch && !d.publicKey)
        this.#log.warn(
          { domain: d.id, leader },
          'joining a resharing: the committee names no public key for this domain, so the key package is taken ' +
            'from the leader as sent (set public_key in the committee to pin it)',
        )
      const plan = planReshare(pkg, { participants: all, threshold: c.threshold, dealers: ctl.dealers })
      let secret: SecretBytes | undefined
      if (plan.dealers.includes(this.#o.me)) {
        if (!holdsThatEpoch) throw new Error(`named a dealer of domain ${d.id} but holds no share of epoch ${oldEpoch}`)
        secret = reshareSecret(mine.share, plan)
      }
      out.push({ domain: d, reshare: { plan, ...(secret ? { secret } : {}) } })
    }
    return out
  }

  #cancelDkg(): void {
    const r = this.#dkgRunning
    if (!r) return
    r.cancelled = true
    for (const s of r.sessions) this.#t.closeSession(s)
  }

  async #runDkg(ctl: CtlDkg, leader: ParticipantId): Promise<void> {
    const reshare = new Set(this.#reshareDomains())
    const domains: AttemptDomain[] = []
    for (const id of ctl.domains) {
      const d = this.#committee.domains.find((x) => x.id === id)
      if (!d) return
      if (this.#keys.has(id)) {
        // never replace a key in use: a member that lost its share gets one by a resharing, not a new key
        this.#log.warn({ peer: leader, domain: id }, 'DKG start for a domain whose key this node holds: refused')
        return
      }
      if (reshare.has(id)) {
        this.#log.warn(
          { peer: leader, domain: id },
          'DKG start for a domain whose key already exists: refused (its key moves by resharing)',
        )
        return
      }
      domains.push({ domain: d })
    }
    await this.#runAttempt('dkg', ctl, leader, domains)
  }

  /**
   * One key-event attempt (a DKG, or a resharing into this epoch): one DKG session per domain, shares sealed
   * pending, then every member confirms before anyone activates; completing erases every earlier epoch's shares.
   */
  async #runAttempt(
    kind: 'dkg' | 'reshare',
    ctl: { attempt: string; sid: string; participants: number[] },
    leader: ParticipantId,
    domains: AttemptDomain[],
  ): Promise<void> {
    const attempt = BigInt(ctl.attempt)
    const epoch = this.#committee.epoch
    if (this.#dkgRunning) {
      if (this.#dkgRunning.attempt >= attempt) return
      this.#cancelDkg()
      await sleep(10)
    }
    const members = new Map(this.#committee.participants.map((p) => [p.id, p]))
    const participants: DkgParticipant[] = []
    for (const id of ctl.participants) {
      const m = members.get(id)
      if (!m) {
        this.#log.warn({ peer: leader, participant: id }, 'key-event start names a non-member: refused')
        return
      }
      participants.push({ id, nodeKey: m.nodeKey })
    }
    if (domains.length === 0 || !participants.some((p) => p.id === this.#o.me)) return
    const base = fromHex(ctl.sid)
    const sessionOf = (domainId: number) =>
      new Uint8Array(
        createHash('sha256')
          .update(base)
          .update(Buffer.from(Uint32Array.of(domainId).buffer))
          .digest(),
      )
    const run = { attempt, kind, sessions: [base, ...domains.map((d) => sessionOf(d.domain.id))], cancelled: false }
    this.#dkgRunning = run
    this.#dkgAttempts++
    const started = performance.now()
    const epochs = this.#o.store.epochs
    let outcome = 'failed'
    try {
      const st = epochs.get()
      const running = st === undefined ? null : st.status === 'running' ? st.epoch : st.runningEpoch
      // a joiner has no running epoch: for its store the resharing is its first key event
      const storeKind = kind === 'reshare' && running !== null && running < epoch ? 'resharing' : 'dkg'
      epochs.beginAttempt({ epoch, kind: storeKind, attemptId: attempt })
      const results: Array<{ domain: CommitteeDomain; pkg: KeyPackage; share: SecretBytes }> = []
      for (const { domain: d, reshare } of domains) {
        const r = await this.#dkgDomain(d, sessionOf(d.id), participants, run, reshare)
        if (r.kind !== 'done') {
          outcome = r.kind
          this.#log.warn(
            { domain: d.id, kind, outcome: r.kind, detail: r.detail },
            'key-event attempt did not produce a key',
          )
          epochs.abandonAttempt()
          return
        }
        if (reshare && !equalBytes(r.pkg.groupPublicKey, reshare.plan.groupPublicKey))
          throw new Error(`the reshared key of domain ${d.id} is not the old key`) // the session checks it too
        this.#o.store.shares.putPending({
          epoch,
          domainId: d.id,
          attemptId: attempt,
          share: r.share,
          publicPackage: encodeKeyPackage(r.pkg),
        })
        results.push({ domain: d, pkg: r.pkg, share: r.share })
      }
      // every member confirms it holds its shares before anyone activates them
      const others = participants.map((p) => p.id).filter((id) => id !== this.#o.me)
      await this.#t.broadcast({ sessionId: base, round: ROUND.dkgOk, payload: enc({ ok: true }) }, { timeoutMs: 3000 })
      const oks = await Promise.allSettled(
        others.map((id) =>
          this.#t.recv({ sessionId: base, round: ROUND.dkgOk, from: id, timeoutMs: this.#dkgTimeout }),
        ),
      )
      if (run.cancelled || oks.some((o) => o.status === 'rejected')) {
        this.#log.warn({ attempt: ctl.attempt, kind }, 'key-event attempt: not every member confirmed; abandoned')
        epochs.abandonAttempt()
        return
      }
      epochs.completeAttempt({ epoch, attemptId: attempt })
      for (const r of results) {
        this.#keys.set(r.domain.id, {
          domain: r.domain,
          pkg: r.pkg,
          share: createKeyShare(r.pkg, this.#o.me, r.share),
          pkgHash: packageHash(r.pkg),
        })
        this.#dropped.delete(r.domain.id)
        this.#mismatch.delete(r.domain.id)
      }
      if (kind === 'reshare') {
        // the store erased every earlier epoch's shares in the same transaction; drop our copies too
        for (const o of this.#old.values()) o.share.signingShare.wipe()
        this.#old.clear()
        this.#reshareBlocked = undefined
        this.#needy.clear() // whoever still lacks a share asks again
      }
      outcome = 'done'
      this.#log.info(
        {
          attempt: ctl.attempt,
          kind,
          epoch: String(epoch),
          domains: results.map((r) => ({ id: r.domain.id, publicKey: toHex(r.pkg.groupPublicKey) })),
          ms: Math.round(performance.now() - started),
        },
        kind === 'reshare' ? 'resharing completed' : 'DKG completed',
      )
      this.#notifyActivated({
        epoch,
        kind,
        attemptId: attempt,
        domains: results.map((r) => ({ id: r.domain.id, scheme: r.domain.scheme, publicKey: r.pkg.groupPublicKey })),
      })
    } catch (e) {
      this.#log.warn({ attempt: ctl.attempt, kind, err: (e as Error).message }, 'key-event attempt failed')
      try {
        epochs.abandonAttempt()
      } catch {
        // already abandoned or superseded
      }
    } finally {
      this.#m?.dkg.observe({ outcome }, (performance.now() - started) / 1000)
      for (const s of run.sessions) this.#t.closeSession(s)
      if (this.#dkgRunning === run) this.#dkgRunning = undefined
      if (outcome !== 'done') this.#nextDkgAt = Date.now() + (this.#o.dkgRetryMs ?? 1000)
    }
  }

  #notifyActivated(event: KeysActivated): void {
    const f = this.#o.onKeysActivated
    if (!f) return
    Promise.resolve()
      .then(() => f(event))
      .catch((err) =>
        this.#log.warn(
          { err: err instanceof Error ? err.message : String(err), epoch: String(event.epoch) },
          'onKeysActivated failed',
        ),
      )
  }

  async #dkgDomain(
    d: CommitteeDomain,
    sessionId: Uint8Array,
    participants: DkgParticipant[],
    run: { cancelled: boolean },
    reshare?: AttemptDomain['reshare'],
  ): Promise<
    { kind: 'done'; pkg: KeyPackage; share: SecretBytes } | { kind: 'restart' | 'abort' | 'timeout'; detail: string }
  > {
    const session = createDkgSession({
      scheme: d.scheme,
      epoch: this.#committee.epoch,
      sessionId,
      participants,
      threshold: this.#committee.threshold,
      me: this.#o.me,
      rng: this.#o.rng,
      ...(reshare ? { reshare } : {}),
      sign: (m) => this.#o.sign(m),
      verify: (k, m, s) => {
        try {
          return this.#o.verify(k, m, s)
        } catch {
          return false
        }
      },
    })
    const deliver = async (out: ProtocolMessage[]) => {
      for (const m of out) {
        if (m.to === 'all')
          await this.#t.broadcast({ sessionId, round: m.round, payload: m.payload }, { timeoutMs: this.#dkgTimeout })
        else
          await this.#t.send(m.to, { sessionId, round: m.round, payload: m.payload }, { timeoutMs: this.#dkgTimeout })
      }
    }
    await deliver(session.start())
    for (;;) {
      if (run.cancelled) return { kind: 'abort', detail: 'superseded' }
      const o = session.outcome
      if (o) {
        if (o.kind === 'done') return { kind: 'done', pkg: o.keyPackage, share: o.myShare }
        if (o.kind === 'restart') return { kind: 'restart', detail: `exclude ${o.exclude.join(',')}` }
        return { kind: 'abort', detail: `${o.reason} ${o.culprits.join(',')}` }
      }
      const w = session.waitingFor()
      if (!w) return { kind: 'abort', detail: 'no outcome' }
      let e: ReceivedEnvelope
      try {
        e = await this.#t.recv({ sessionId, round: w.round, timeoutMs: this.#dkgTimeout })
      } catch {
        return { kind: 'timeout', detail: `no ${w.round} from ${w.from.join(',')}` }
      }
      let out: ProtocolMessage[]
      try {
        out = session.receive(e.sender, e.round, e.payload)
      } catch (err) {
        this.#log.warn({ peer: e.sender, round: e.round, err: (err as Error).message }, 'DKG message refused')
        continue
      }
      await deliver(out)
    }
  }
}

/** The transport's member table for a committee. */
export function peerMembersOf(c: Committee): PeerMember[] {
  return c.participants.map((p) => ({ id: p.id, nodeKey: p.nodeKey, url: p.url }))
}
