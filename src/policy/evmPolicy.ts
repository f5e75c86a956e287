import { type Address, getAddress, isAddress, type PublicClient } from 'viem'
import { getBlockNumber } from 'viem/actions'
import type { Identity } from '../attestation/index.js'
import {
  type AppBootInfo,
  assertDeployed,
  ChainError,
  checkChainId,
  kmsRegistry,
  readChain,
  toAppBootInfo,
} from '../chain/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { decidePolicy, deny } from './decidePolicy.js'
import { PolicyError } from './errors.js'
import { type CommitteeEvent, readCommittee } from './evmCommitteeWatcher.js'
import { followCommittee } from './evmFollowCommittee.js'
import { createEvmRpc, EVM_DEFAULT_TIMEOUT_MS } from './evmRpc.js'
import type { Policy, PolicyDecision, PolicyInfo, PolicyRole } from './types.js'

/** Every deny caused by the chain backend (not by the contracts) starts with this. */
export const EVM_UNAVAILABLE = 'authorization backend unavailable'
export const EVM_RPC_UNREACHABLE = `${EVM_UNAVAILABLE}: chain RPC unreachable`
export const EVM_DEFAULT_MAX_STALENESS_MS = 2000
const MAX_CACHED_DECISIONS = 4096

export interface EvmPolicyOptions {
  /** JSON-RPC URL (http/https; `user:pass@` is sent as Basic auth and never logged) */
  rpcUrl: string
  /** the chain id the RPC must report; anything else denies everything */
  chainId: number
  /** CustosKms registry address */
  kmsContract: string
  /** CustosCommittee address: when set, the policy follows its events and logs every new epoch */
  committeeContract?: string
  /** the block a decision is read at is refreshed at most this often (ms, default 2000); 0 = every request */
  maxStalenessMs?: number
  /** per-RPC-request deadline in ms (default 5000); a timeout is a deny */
  timeoutMs?: number
  logger?: Logger
  /** monotonic ms clock (tests) */
  clock?: () => number
  /** use this viem client instead of one over HTTP to `rpcUrl` (tests, in-process EVM) */
  client?: PublicClient
  /** committee event poll period in ms (default 1000) */
  committeePollMs?: number
  /** also called for every committee event (after it is logged) */
  onCommitteeEvent?: (e: CommitteeEvent) => void
}

interface BlockView {
  number: bigint
  /** clock() when this block number was last confirmed as the head */
  at: number
  gatewayAppId: string
  decisions: Map<string, PolicyDecision>
}

function parseAddress(field: string, value: string | undefined): Address {
  if (!value || !isAddress(value, { strict: false }))
    throw new PolicyError('POLICY_BAD_CONFIG', `the evm policy needs [policy] ${field} = "0x<40 hex>"`, { field })
  return getAddress(value)
}

/**
 * Policy backed by the Custos contracts (dstack auth-eth semantics, in process): `isAppAllowed` /
 * `isKmsAllowed` view calls on CustosKms (which delegates app checks to the app's own contract).
 * Decisions are cached per block: the head block number is re-read at most every `maxStalenessMs`, and a
 * new block drops every cached decision, so an on-chain removal is enforced within that bound.
 * Fails closed: an unreachable RPC, another chain id, no contract at the address or a reverting call is a
 * deny "authorization backend unavailable: …" with an error log, never an allow.
 */
export class EvmPolicy implements Policy {
  readonly kind = 'evm' as const
  readonly chainId: number
  readonly kmsContract: Address
  readonly committeeContract: Address | undefined
  readonly rpcUrl: string
  readonly #client: PublicClient
  readonly #log: Logger
  readonly #clock: () => number
  readonly #staleness: number
  #verified: Promise<void> | undefined
  #block: BlockView | undefined
  #refreshing: Promise<BlockView> | undefined
  #committee: { stop(): void } | undefined
  #closed = false

  constructor(opts: EvmPolicyOptions) {
    if (!Number.isInteger(opts.chainId) || opts.chainId < 1)
      throw new PolicyError('POLICY_BAD_CONFIG', 'the evm policy needs [policy] evm_chain_id >= 1')
    this.chainId = opts.chainId
    this.kmsContract = parseAddress('evm_kms_contract', opts.kmsContract)
    this.committeeContract = opts.committeeContract
      ? parseAddress('evm_committee_contract', opts.committeeContract)
      : undefined
    const staleness = opts.maxStalenessMs ?? EVM_DEFAULT_MAX_STALENESS_MS
    if (!Number.isInteger(staleness) || staleness < 0)
      throw new PolicyError('POLICY_BAD_CONFIG', 'evm_max_staleness_ms must be an integer >= 0')
    this.#staleness = staleness
    const timeoutMs = opts.timeoutMs ?? EVM_DEFAULT_TIMEOUT_MS
    const rpc = createEvmRpc(opts.rpcUrl, opts.chainId, timeoutMs)
    this.rpcUrl = rpc.redactedUrl
    this.#client = opts.client ?? (rpc.client as unknown as PublicClient)
    this.#log = opts.logger ?? nullLogger
    this.#clock = opts.clock ?? (() => performance.now())
    if (this.committeeContract)
      this.#committee = followCommittee({
        client: this.#client,
        address: this.committeeContract,
        logger: this.#log,
        ...(opts.committeePollMs !== undefined ? { pollIntervalMs: opts.committeePollMs } : {}),
        ...(opts.onCommitteeEvent ? { onEvent: opts.onCommitteeEvent } : {}),
      })
  }

  async check(role: PolicyRole, identity: Identity): Promise<PolicyDecision> {
    return decidePolicy({ kind: this.kind, closed: this.#closed, logger: this.#log }, role, identity, (r, boot) => {
      let tuple: AppBootInfo
      try {
        tuple = toAppBootInfo(boot)
      } catch (e) {
        return deny(`invalid boot info: ${(e as Error).message}`)
      }
      return this.#decide(r, tuple)
    })
  }

  /** dstack `GET /` info from the chain. Throws POLICY_AUTH_UNAVAILABLE (with the reason) when it cannot answer. */
  async info(): Promise<PolicyInfo> {
    try {
      const b = await this.#head()
      // informational only: CustosKms deploys whole CustosApp contracts (zero until the owner records one)
      const appImplementation = await readChain(
        kmsRegistry(this.#client, this.kmsContract).read.appImplementation({ blockNumber: b.number }),
        'CustosKms.appImplementation',
      )
      return {
        gatewayAppId: b.gatewayAppId,
        kmsContractAddr: this.kmsContract,
        chainId: this.chainId,
        appImplementation,
      }
    } catch (e) {
      const reason = this.#failure(e, 'info')
      throw new PolicyError('POLICY_AUTH_UNAVAILABLE', reason, { rpcUrl: this.rpcUrl })
    }
  }

  /** Current committee (participants, threshold, epoch); needs `committeeContract`. */
  async committee() {
    if (!this.committeeContract)
      throw new PolicyError(
        'POLICY_BAD_CONFIG',
        'no committee contract configured: set [policy] evm_committee_contract',
      )
    await this.#verify()
    return readCommittee({ client: this.#client, address: this.committeeContract })
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#committee?.stop()
  }

  async #decide(role: PolicyRole, tuple: AppBootInfo): Promise<PolicyDecision> {
    try {
      const b = await this.#head()
      const key = `${role}|${JSON.stringify(tuple)}`
      const hit = b.decisions.get(key)
      if (hit) return hit
      const kms = kmsRegistry(this.#client, this.kmsContract)
      const at = { blockNumber: b.number }
      const [ok, reason] = await readChain(
        role === 'app' ? kms.read.isAppAllowed([tuple], at) : kms.read.isKmsAllowed([tuple], at),
        `CustosKms.${role === 'app' ? 'isAppAllowed' : 'isKmsAllowed'}`,
      )
      const decision = { allowed: ok === true, reason, gatewayAppId: b.gatewayAppId }
      if (this.#block === b) {
        if (b.decisions.size >= MAX_CACHED_DECISIONS) b.decisions.clear()
        b.decisions.set(key, decision)
      }
      return decision
    } catch (e) {
      return deny(this.#failure(e, role))
    }
  }

  /** The block decisions are read at: re-read when older than maxStalenessMs (one eth_blockNumber). */
  async #head(): Promise<BlockView> {
    await this.#verify()
    const b = this.#block
    if (b && this.#clock() - b.at < this.#staleness) return b
    this.#refreshing ??= this.#refreshHead().finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  async #refreshHead(): Promise<BlockView> {
    const at = this.#clock()
    const number = await readChain(getBlockNumber(this.#client, { cacheTime: 0 }), 'eth_blockNumber')
    const b = this.#block
    if (b && b.number === number) {
      b.at = at
      return b
    }
    const gatewayAppId = await readChain(
      kmsRegistry(this.#client, this.kmsContract).read.gatewayAppId({ blockNumber: number }),
      'CustosKms.gatewayAppId',
    )
    const fresh: BlockView = { number, at, gatewayAppId, decisions: new Map() }
    // never step back to an older block when refreshes race
    if (!this.#block || this.#block.number <= number) this.#block = fresh
    return fresh
  }

  /** Once per connection: the RPC is the configured chain and the registry has code there. */
  #verify(): Promise<void> {
    this.#verified ??= (async () => {
      await checkChainId(this.#client, this.chainId, this.rpcUrl)
      await assertDeployed(this.#client, this.kmsContract, 'CustosKms registry')
      this.#log.info(
        { rpcUrl: this.rpcUrl, chainId: this.chainId, kmsContract: this.kmsContract },
        'evm policy connected',
      )
    })()
    this.#verified.catch(() => {
      this.#verified = undefined
    })
    return this.#verified
  }

  /** Deny reason for a backend failure; logs it as an error. Forces re-verification on the next request. */
  #failure(e: unknown, what: string): string {
    this.#verified = undefined
    this.#block = undefined
    let reason: string
    if (e instanceof ChainError) {
      switch (e.code) {
        case 'CHAIN_RPC_UNREACHABLE':
          reason = EVM_RPC_UNREACHABLE
          break
        case 'CHAIN_WRONG_CHAIN_ID':
          reason = `${EVM_UNAVAILABLE}: wrong chain: ${this.rpcUrl} is chain ${String(e.meta.actual)}, [policy] evm_chain_id expects chain ${this.chainId}`
          break
        case 'CHAIN_NOT_DEPLOYED':
          reason = `${EVM_UNAVAILABLE}: contract not deployed: no CustosKms registry at ${this.kmsContract} on chain ${this.chainId}; check [policy] evm_kms_contract`
          break
        case 'CHAIN_REVERTED':
          reason = `${EVM_UNAVAILABLE}: the CustosKms call reverted (${String(e.meta.reason ?? e.meta.errorName)}); is ${this.kmsContract} a CustosKms registry?`
          break
        default:
          reason = `${EVM_UNAVAILABLE}: ${e.shortMessage}`
      }
    } else reason = `${EVM_UNAVAILABLE}: unexpected error from the chain client`
    this.#log.error(
      { policy: this.kind, what, rpcUrl: this.rpcUrl, code: (e as { code?: string }).code, err: (e as Error).message },
      reason,
    )
    return reason
  }
}
