/**
 * The committee from the CustosCommittee contract (`[mpc] committee_source = "evm"`): reads its state, follows its
 * events (every event triggers a re-read of the whole state, handed to the node in chain order), and sends this
 * node's votes: `votePk` for each key a DKG produced while the contract is Initializing (NEAR's `vote_pk`),
 * `voteReshared` once a resharing gave this node its new shares while the contract is Resharing. A vote the
 * contract would refuse is not sent: it waits while an earlier domain's key is still being voted, and is dropped
 * (with a log line saying why) when the contract has moved on.
 */
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  toHex as viemHex,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  assertDeployed,
  ChainError,
  checkChainId,
  committeeContract,
  confirmTx,
  localChain,
  readChain,
} from '../chain/index.js'
import { toHex } from '../crypto/index.js'
import type { Logger } from '../log.js'
import type { KeysActivated } from '../mpc/index.js'
import { parseServiceUrl } from '../net/index.js'
import {
  type CommitteeEvent,
  type CommitteeState,
  type CommitteeWatcher,
  readCommittee,
  watchCommittee,
} from '../policy/index.js'
import { CommitteeSourceError } from './committeeSourceErrors.js'

export interface EvmCommitteeSourceOptions {
  /** `[policy] evm_rpc_url` (`user:pass@` is sent as Basic auth and never logged) */
  rpcUrl: string
  /** `[policy] evm_chain_id`: the RPC must report it */
  chainId: number
  /** `[policy] evm_committee_contract` */
  address: string
  /** this node's account key (`[mpc] evm_account_key_file`) */
  accountKey: Hex
  /** event poll period, also the retry period of a failed read or vote */
  pollIntervalMs: number
  logger: Logger
  /** per-RPC-request deadline (default 10000 ms) */
  timeoutMs?: number
}

/** A vote this node owes the contract. */
export type PendingVote =
  | { kind: 'pk'; epoch: bigint; domainId: number; attemptId: bigint; publicKey: Uint8Array }
  | { kind: 'reshared'; epoch: bigint }

/** What to do with a pending vote, given the contract's state. */
export type VoteDecision =
  | { action: 'send' }
  | { action: 'wait'; why: string }
  | { action: 'drop'; why: string; level: 'info' | 'warn' | 'error' }

/**
 * A vote whose transaction failed (no funds, out of gas, nonce race…) is retried after a growing pause (the poll
 * period doubled per failure, at most a minute: about a quarter of an hour in all), then given up (logged). While
 * the contract cannot even be read no vote is tried, so an RPC outage uses none of these.
 */
const MAX_TRIES = 20
const MAX_BACKOFF_MS = 60_000

/** Reverts that are not one of the contract's custom errors (out of gas, a revert string, a receipt status). */
const GENERIC_REVERTS = new Set(['Error', 'Panic', 'unknown', 'undefined'])

/**
 * Gas for a vote estimated while it is not the last one: another member's vote mined first can make it the last,
 * which also records the key (votePk) or switches the epoch (voteReshared, a loop over the members). A margin
 * covers the usual case; a vote that still runs out of gas is retried with a fresh estimate.
 */
const gasLimit = (estimate: bigint) => estimate * 2n + 300_000n

const sameHex = (a: string, b: Uint8Array) => a.replace(/^0x/i, '').toLowerCase() === toHex(b)

/**
 * Would the contract accept `v` from `account` now? Mirrors CustosCommittee.votePk / voteReshared preconditions.
 * Pure (unit-tested).
 */
export function decideVote(s: CommitteeState, account: string, v: PendingVote): VoteDecision {
  const isMember = (ps: readonly { account: string }[]) =>
    ps.some((p) => p.account.toLowerCase() === account.toLowerCase())
  if (v.kind === 'pk') {
    const d = s.domains.find((x) => x.id === v.domainId)
    if (!d) return { action: 'drop', why: `the contract has no domain ${v.domainId}`, level: 'warn' }
    if (d.publicKey !== '0x')
      return sameHex(d.publicKey, v.publicKey)
        ? { action: 'drop', why: 'the contract already recorded this key', level: 'info' }
        : { action: 'drop', why: `the contract recorded another key for domain ${v.domainId}`, level: 'error' }
    if (s.epochId !== v.epoch)
      return {
        action: 'drop',
        why: `the key is of epoch ${v.epoch}, the contract is at epoch ${s.epochId}`,
        level: 'warn',
      }
    if (s.state !== 'initializing')
      return { action: 'drop', why: `the contract is ${s.state}, not initializing`, level: 'warn' }
    if (s.keygenDomainId !== undefined && s.keygenDomainId < v.domainId)
      return { action: 'wait', why: `the contract is still voting the key of domain ${s.keygenDomainId}` }
    if (s.keygenDomainId !== v.domainId)
      return { action: 'drop', why: `the contract generates the key of domain ${s.keygenDomainId} now`, level: 'warn' }
    if (!isMember(s.participants))
      return { action: 'drop', why: `account ${account} is not a participant of epoch ${s.epochId}`, level: 'warn' }
    if (v.publicKey.length === 0 || v.publicKey.length > 65)
      return { action: 'drop', why: `a ${v.publicKey.length}-byte public key cannot be voted`, level: 'error' }
    return { action: 'send' }
  }
  if (s.state === 'resharing' && s.prospective?.epochId === v.epoch) {
    if (!isMember(s.prospective.participants))
      return { action: 'drop', why: `account ${account} is not a participant of epoch ${v.epoch}`, level: 'warn' }
    return { action: 'send' }
  }
  if (s.epochId >= v.epoch) return { action: 'drop', why: `epoch ${s.epochId} already started`, level: 'info' }
  return { action: 'drop', why: `the contract is ${s.state}, not resharing to epoch ${v.epoch}`, level: 'warn' }
}

const voteKey = (v: PendingVote) =>
  v.kind === 'pk' ? `pk/${v.epoch}/${v.domainId}/${v.attemptId}` : `reshared/${v.epoch}`
const describe = (v: PendingVote) =>
  v.kind === 'pk'
    ? { vote: 'votePk', epoch: String(v.epoch), domain: v.domainId, attempt: String(v.attemptId) }
    : { vote: 'voteReshared', epoch: String(v.epoch) }

export class EvmCommitteeSource {
  readonly address: Address
  /** this node's account (the contract's participant entry) */
  readonly account: Address
  /** the RPC URL without credentials (for logs) */
  readonly rpcUrl: string
  readonly #public: PublicClient<Transport, Chain>
  readonly #wallet: WalletClient<Transport, Chain, Account>
  readonly #log: Logger
  readonly #period: number
  #watcher: CommitteeWatcher | undefined
  #onState: ((s: CommitteeState) => Promise<void>) | undefined
  readonly #pending: Array<PendingVote & { tries: number; retryAt: number }> = []
  readonly #done = new Set<string>()
  #closed = false
  #running: Promise<void> | undefined
  #again = false
  #retry: NodeJS.Timeout | undefined

  private constructor(
    o: EvmCommitteeSourceOptions,
    clients: {
      public: PublicClient<Transport, Chain>
      wallet: WalletClient<Transport, Chain, Account>
      redacted: string
    },
  ) {
    this.address = getAddress(o.address)
    this.account = clients.wallet.account.address
    this.rpcUrl = clients.redacted
    this.#public = clients.public
    this.#wallet = clients.wallet
    this.#log = o.logger
    this.#period = o.pollIntervalMs
  }

  /** Build the clients, check the chain id and that the contract is deployed. */
  static async open(o: EvmCommitteeSourceOptions): Promise<EvmCommitteeSource> {
    const { base, authorization, redacted } = parseServiceUrl(o.rpcUrl, {
      what: '[policy] evm_rpc_url',
      protocols: ['http:', 'https:'],
      expected: 'http(s)://host:port/',
      fail: (message) => new CommitteeSourceError('COMMITTEE_SOURCE_INVALID', message),
    })
    const chain = localChain(o.chainId, redacted)
    const transport = http(base.toString(), {
      retryCount: 0,
      timeout: o.timeoutMs ?? 10_000,
      ...(authorization ? { fetchOptions: { headers: { authorization } } } : {}),
    })
    const pub = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 250 }) as PublicClient<
      Transport,
      Chain
    >
    const wallet = createWalletClient({
      account: privateKeyToAccount(o.accountKey),
      chain,
      transport,
      pollingInterval: 250,
    }) as WalletClient<Transport, Chain, Account>
    await checkChainId(pub, o.chainId, redacted)
    await assertDeployed(pub, o.address, 'CustosCommittee')
    return new EvmCommitteeSource(o, { public: pub, wallet, redacted })
  }

  /** The contract's state at the latest block. */
  read(): Promise<CommitteeState> {
    return readCommittee({ client: this.#public, address: this.address })
  }

  /**
   * Follow the contract from the block after `from` (the state the node started with): on every event, re-read the
   * state and hand it to `onState` (one call at a time, in order), then send the votes it allows.
   */
  follow(from: CommitteeState, onState: (s: CommitteeState) => Promise<void>): void {
    this.#onState = onState
    this.#watcher = watchCommittee({
      client: this.#public,
      address: this.address,
      fromBlock: from.blockNumber + 1n,
      onEpoch: (e) => this.#event(e),
      onResharing: (e) => this.#event(e),
      onDomains: (e) => this.#event(e),
      onError: (e) =>
        this.#log.warn(
          { committee: this.address, err: (e as Error).message },
          'committee watcher: poll failed; retrying',
        ),
      pollIntervalMs: this.#period,
      logger: this.#log,
    })
  }

  /** The service activated keys (DKG or resharing): vote them. */
  keysActivated(e: KeysActivated): Promise<void> {
    if (e.kind === 'dkg')
      for (const d of [...e.domains].sort((a, b) => a.id - b.id))
        this.queue({ kind: 'pk', epoch: e.epoch, domainId: d.id, attemptId: e.attemptId, publicKey: d.publicKey })
    else this.queue({ kind: 'reshared', epoch: e.epoch })
    return this.sync()
  }

  /** Owe the contract this vote (sent at the next sync the contract allows it; a vote already sent is ignored). */
  queue(v: PendingVote): void {
    const k = voteKey(v)
    if (this.#closed || this.#done.has(k) || this.#pending.some((p) => voteKey(p) === k)) return
    this.#pending.push({ ...v, tries: 0, retryAt: 0 })
    this.#log.info(describe(v), 'committee: vote queued')
  }

  /** Re-read the state, hand it to the node, send what may be sent. Coalesces calls made while one runs. */
  sync(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    if (this.#running) {
      this.#again = true
      return this.#running
    }
    const run = (async () => {
      try {
        do {
          this.#again = false
          await this.#syncOnce()
        } while (this.#again && !this.#closed)
      } finally {
        this.#running = undefined
      }
    })()
    this.#running = run
    return run
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#watcher?.stop()
    if (this.#retry) clearTimeout(this.#retry)
    await this.#running?.catch(() => undefined)
  }

  #event(e: CommitteeEvent): void {
    const at = { committee: this.address, block: e.blockNumber.toString() }
    if (e.kind === 'epoch')
      this.#log.info({ ...at, epochId: e.epochId.toString(), threshold: e.threshold }, 'committee: new epoch')
    else if (e.kind === 'resharing')
      this.#log.info(
        { ...at, prospectiveEpochId: e.prospectiveEpochId.toString(), threshold: e.threshold },
        'committee: resharing started',
      )
    else if (e.kind === 'resharing-cancelled')
      this.#log.info({ ...at, prospectiveEpochId: e.prospectiveEpochId.toString() }, 'committee: resharing cancelled')
    else if (e.kind === 'domains-added')
      this.#log.info({ ...at, firstDomainId: e.firstDomainId, count: e.count }, 'committee: domains added')
    else this.#log.info({ ...at, domainId: e.domainId, publicKey: e.publicKey }, 'committee: domain key voted')
    void this.sync()
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry) return
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      void this.sync()
    }, this.#period)
    this.#retry.unref()
  }

  async #syncOnce(): Promise<void> {
    let s: CommitteeState
    try {
      s = await this.read()
    } catch (e) {
      this.#log.warn(
        { committee: this.address, err: (e as Error).message },
        'committee: cannot read the contract; retrying',
      )
      this.#scheduleRetry()
      return
    }
    if (this.#closed) return
    try {
      await this.#onState?.(s)
    } catch (e) {
      // the node keeps what it runs; the next sync tries again
      this.#log.error(
        { committee: this.address, err: (e as Error).message },
        'committee: applying the contract state failed',
      )
      this.#scheduleRetry()
    }
    if (this.#closed) return
    for (const v of [...this.#pending]) {
      if (v.retryAt > Date.now()) continue
      const d = decideVote(s, this.account, v)
      if (d.action === 'wait') continue
      this.#pending.splice(this.#pending.indexOf(v), 1)
      if (d.action === 'drop') {
        this.#done.add(voteKey(v))
        this.#log[d.level]({ ...describe(v), why: d.why }, 'committee: vote not sent')
        continue
      }
      const sent = await this.#send(v)
      if (sent) {
        // the vote changed the contract: look again before deciding the next one
        this.#again = true
        break
      }
    }
    if (this.#pending.length > 0) this.#scheduleRetry()
  }

  /** Send one vote; true when it was mined (or the contract says we voted already). */
  async #send(v: PendingVote & { tries: number; retryAt: number }): Promise<boolean> {
    const c = committeeContract({ public: this.#public, wallet: this.#wallet }, this.address)
    const what = v.kind === 'pk' ? `votePk(domain ${v.domainId}, attempt ${v.attemptId})` : `voteReshared(${v.epoch})`
    const account = this.#wallet.account
    try {
      let send: Promise<Hex>
      if (v.kind === 'pk') {
        const args = [v.domainId, v.attemptId, viemHex(v.publicKey)] as const
        const gas = await readChain(c.estimateGas.votePk(args, { account }), what)
        send = c.write.votePk(args, { gas: gasLimit(gas) })
      } else {
        const args = [v.epoch] as const
        const gas = await readChain(c.estimateGas.voteReshared(args, { account }), what)
        send = c.write.voteReshared(args, { gas: gasLimit(gas) })
      }
      const receipt = await confirmTx(this.#public, send, what)
      this.#done.add(voteKey(v))
      this.#log.info(
        {
          ...describe(v),
          ...(v.kind === 'pk' ? { publicKey: toHex(v.publicKey) } : {}),
          account: this.account,
          tx: receipt.transactionHash,
        },
        'committee: vote sent',
      )
      return true
    } catch (e) {
      // a custom error of the contract is its answer; a revert without one (out of gas) may pass on a retry
      const refusal =
        e instanceof ChainError && e.code === 'CHAIN_REVERTED' && !GENERIC_REVERTS.has(String(e.meta.errorName))
      if (refusal) {
        this.#done.add(voteKey(v))
        const already = e.meta.errorName === 'AlreadyVoted'
        this.#log[already ? 'info' : 'warn'](
          { ...describe(v), errorName: String(e.meta.errorName), err: e.shortMessage },
          already ? 'committee: this vote was already recorded' : 'committee: the contract refused the vote',
        )
        return already
      }
      v.tries++
      const err = e instanceof ChainError ? e.shortMessage : (e as Error).message
      if (v.tries >= MAX_TRIES) {
        this.#done.add(voteKey(v))
        this.#log.error({ ...describe(v), tries: v.tries, err }, 'committee: vote given up')
      } else {
        v.retryAt = Date.now() + Math.min(this.#period * 2 ** v.tries, MAX_BACKOFF_MS)
        this.#pending.push(v)
        this.#log.warn({ ...describe(v), tries: v.tries, err }, 'committee: vote failed; retrying')
      }
      return false
    }
  }
}
