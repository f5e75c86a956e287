import { type Address, type Client, getAddress, type Hex, parseEventLogs } from 'viem'
import { getBlockNumber, getLogs } from 'viem/actions'
import { committeeContract, custosCommitteeAbi, readChain } from '../chain/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'

export interface CommitteeMember {
  account: Address
  id: number
  signingPubkey: Hex
  url: string
}

/** A committee key domain; `publicKey` is '0x' until its DKG was voted (votePk). */
export interface CommitteeDomain {
  id: number
  /** 0 Ed25519, 1 secp256k1 FROST, 2 BIP-340 */
  scheme: number
  purpose: string
  publicKey: Hex
}

const STATES = ['running', 'resharing', 'initializing'] as const

/** CustosCommittee state at one block. */
export interface CommitteeState {
  blockNumber: bigint
  epochId: bigint
  threshold: number
  state: (typeof STATES)[number]
  participants: CommitteeMember[]
  domains: CommitteeDomain[]
  /** while initializing: the domain whose key is being generated */
  keygenDomainId?: number
  /** set while resharing: the epoch being formed, its threshold and members */
  prospective?: { epochId: bigint; threshold: number; participants: CommitteeMember[] }
}

/** What the watcher reports (from the contract's events, in chain order). */
export type CommitteeEvent =
  | { kind: 'epoch'; epochId: bigint; threshold: number; participants: Address[]; blockNumber: bigint; txHash: Hex }
  | {
      kind: 'resharing'
      prospectiveEpochId: bigint
      proposalHash: Hex
      threshold: number
      participants: Address[]
      blockNumber: bigint
      txHash: Hex
    }
  | { kind: 'resharing-cancelled'; prospectiveEpochId: bigint; blockNumber: bigint; txHash: Hex }
  | { kind: 'domains-added'; firstDomainId: number; count: number; blockNumber: bigint; txHash: Hex }
  | { kind: 'domain-key'; domainId: number; attemptId: bigint; publicKey: Hex; blockNumber: bigint; txHash: Hex }

const members = (ps: readonly { account: Address; id: number; signingPubkey: Hex; url: string }[]) =>
  ps.map((p) => ({ account: getAddress(p.account), id: p.id, signingPubkey: p.signingPubkey, url: p.url }))

/** Read participants, threshold, epoch and state (all at one block: the latest unless given). */
export async function readCommittee(opts: {
  client: Client
  address: Address
  blockNumber?: bigint
}): Promise<CommitteeState> {
  const blockNumber =
    opts.blockNumber ?? (await readChain(getBlockNumber(opts.client, { cacheTime: 0 }), 'eth_blockNumber'))
  const c = committeeContract(opts.client, opts.address)
  const at = { blockNumber }
  const what = 'the CustosCommittee read'
  const [epochId, threshold, state, participants, domains] = await Promise.all([
    readChain(c.read.epochId(at), what),
    readChain(c.read.threshold(at), what),
    readChain(c.read.state(at), what),
    readChain(c.read.participants(at), what),
    readChain(c.read.domains(at), what),
  ])
  const stateName = STATES[state]
  if (stateName === undefined) throw new RangeError(`CustosCommittee reports unknown state ${state}`)
  const out: CommitteeState = {
    blockNumber,
    epochId,
    threshold,
    state: stateName,
    participants: members(participants),
    domains: domains.map((d) => ({ id: d.id, scheme: d.scheme, purpose: d.purpose, publicKey: d.publicKey })),
  }
  if (stateName === 'initializing') out.keygenDomainId = (await readChain(c.read.keygenDomain(at), what)).id
  if (state === 1) {
    const [pe, pt, pp] = await Promise.all([
      readChain(c.read.prospectiveEpochId(at), what),
      readChain(c.read.prospectiveThreshold(at), what),
      readChain(c.read.prospectiveParticipants(at), what),
    ])
    out.prospective = { epochId: pe, threshold: pt, participants: members(pp) }
  }
  return out
}

export interface WatchCommitteeOptions {
  client: Client
  address: Address
  /** a new epoch started (EpochStarted) */
  onEpoch: (e: Extract<CommitteeEvent, { kind: 'epoch' }>) => void
  /** a resharing started or was cancelled */
  onResharing?: (e: Extract<CommitteeEvent, { kind: 'resharing' | 'resharing-cancelled' }>) => void
  /** domains were added (key generation starts) or a domain's key was voted */
  onDomains?: (e: Extract<CommitteeEvent, { kind: 'domains-added' | 'domain-key' }>) => void
  /** a poll failed (RPC down…); the watcher keeps its position and retries at the next poll */
  onError?: (e: unknown) => void
  /** first block to report events from; default the block after the current one at start */
  fromBlock?: bigint
  /** poll period in ms; default 1000. EDR automine has no block time, so logs are polled, not subscribed. */
  pollIntervalMs?: number
  /** at most this many blocks per eth_getLogs (public RPCs cap the range); default 2000 */
  maxBlockRange?: bigint
  logger?: Logger
}

export interface CommitteeWatcher {
  /** poll now (tests; also what the timer calls); resolves when the events up to the head were dispatched */
  poll(): Promise<void>
  /** the last block whose events were dispatched */
  readonly lastBlock: bigint | undefined
  stop(): void
}

/**
 * Follow CustosCommittee events by polling `eth_getLogs` from the last seen block (robust on automining
 * dev chains and on RPCs without filters). Events are dispatched once each, in chain order; a failed poll
 * is retried from the same block. Reorgs are not handled (use a finalized-lagging RPC if they matter).
 */
export function watchCommittee(opts: WatchCommitteeOptions): CommitteeWatcher {
  const log = opts.logger ?? nullLogger
  const range = opts.maxBlockRange ?? 2000n
  let last: bigint | undefined = opts.fromBlock !== undefined ? opts.fromBlock - 1n : undefined
  let stopped = false

  const dispatch = (e: CommitteeEvent) => {
    try {
      if (e.kind === 'epoch') opts.onEpoch(e)
      else if (e.kind === 'domains-added' || e.kind === 'domain-key') opts.onDomains?.(e)
      else opts.onResharing?.(e)
    } catch (err) {
      log.error({ err: (err as Error).message }, 'committee event handler failed')
    }
  }

  const pollOnce = async () => {
    const head = await readChain(getBlockNumber(opts.client, { cacheTime: 0 }), 'eth_blockNumber')
    if (last === undefined) {
      last = head
      return
    }
    while (!stopped && (last as bigint) < head) {
      const from: bigint = (last as bigint) + 1n
      const to: bigint = head - from + 1n > range ? from + range - 1n : head
      const logs = await readChain(
        getLogs(opts.client, { address: opts.address, fromBlock: from, toBlock: to }),
        'eth_getLogs (CustosCommittee)',
      )
      const parsed = parseEventLogs({ abi: custosCommitteeAbi, logs, strict: true })
      for (const l of parsed) {
        const at = { blockNumber: l.blockNumber, txHash: l.transactionHash }
        if (l.eventName === 'EpochStarted')
          dispatch({
            kind: 'epoch',
            epochId: l.args.epochId,
            threshold: l.args.threshold,
            participants: [...l.args.participants],
            ...at,
          })
        else if (l.eventName === 'ResharingStarted')
          dispatch({
            kind: 'resharing',
            prospectiveEpochId: l.args.prospectiveEpochId,
            proposalHash: l.args.proposalHash,
            threshold: l.args.threshold,
            participants: [...l.args.participants],
            ...at,
          })
        else if (l.eventName === 'ResharingCancelled')
          dispatch({ kind: 'resharing-cancelled', prospectiveEpochId: l.args.prospectiveEpochId, ...at })
        else if (l.eventName === 'DomainsAdded')
          dispatch({ kind: 'domains-added', firstDomainId: l.args.firstDomainId, count: l.args.count, ...at })
        else if (l.eventName === 'DomainKeyGenerated')
          dispatch({
            kind: 'domain-key',
            domainId: l.args.domainId,
            attemptId: l.args.attemptId,
            publicKey: l.args.publicKey,
            ...at,
          })
      }
      last = to
    }
  }

  // polls run one at a time, in order; the timer skips a tick while one is pending
  let queue: Promise<void> = Promise.resolve()
  let pending = 0
  const poll = (): Promise<void> => {
    pending++
    queue = queue
      .then(() => (stopped ? undefined : pollOnce()))
      .catch((e) => {
        if (opts.onError) opts.onError(e)
        else log.warn({ err: (e as Error).message }, 'committee watcher poll failed; retrying')
      })
      .finally(() => {
        pending--
      })
    return queue
  }

  const timer = setInterval(() => {
    if (!stopped && pending === 0) void poll()
  }, opts.pollIntervalMs ?? 1000)
  timer.unref()
  void poll()

  return {
    poll,
    get lastBlock() {
      return last
    },
    stop() {
      stopped = true
      clearInterval(timer)
    },
  }
}
