import {
  type Account,
  type Chain,
  type CustomTransport,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  type PublicClient,
  parseEther,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ChainError, localChain } from '../chain/index.js'
import { DEV_PRIVATE_KEYS } from './devAccounts.js'
import { createEdrProvider, type EdrProvider, type Eip1193Request } from './edrProvider.js'

export type LocalPublicClient = PublicClient<CustomTransport, Chain>
export type LocalWalletClient = WalletClient<CustomTransport, Chain, Account>

export interface LocalEvmOptions {
  /** private keys to fund and own; default the 10 public Hardhat dev keys (never use them on a real chain) */
  accounts?: readonly Hex[]
  /** default 31337 (Hardhat / Anvil) */
  chainId?: number
  /** wei per account; default 10,000 ETH */
  balance?: bigint
  /** default gas limit for calls and transactions without `gas`; capped at Osaka's 16,777,216 */
  gasLimit?: bigint
}

export interface LocalEvm {
  readonly chainId: number
  readonly chain: Chain
  /** EIP-1193 request (reverts arrive as `{code: 3, data: "0x…"}`) */
  readonly request: Eip1193Request
  /** raw JSON-RPC handler (for the HTTP bridge) */
  readonly handle: EdrProvider['handle']
  readonly publicClient: LocalPublicClient
  /** one wallet client per funded account, same order as `accounts` */
  readonly wallets: readonly LocalWalletClient[]
  readonly accounts: readonly Account[]
  close(): Promise<void>
}

export const OSAKA_TX_GAS_CAP = 16_777_216n

/**
 * Start a real EVM in this process (EDR, the engine inside Hardhat): auto-mine, funded accounts, chain id 31337.
 * Deploys take ~10-25 ms, calls ~1 ms. viem clients use `retryCount: 0` so a revert is reported at once.
 */
export async function startLocalEvm(opts: LocalEvmOptions = {}): Promise<LocalEvm> {
  const chainId = opts.chainId ?? 31337
  const keys = opts.accounts ?? DEV_PRIVATE_KEYS
  if (keys.length === 0) throw new ChainError('CHAIN_BAD_INPUT', 'startLocalEvm needs at least one account key')
  const gasLimit = opts.gasLimit ?? OSAKA_TX_GAS_CAP
  if (gasLimit > OSAKA_TX_GAS_CAP) {
    throw new ChainError('CHAIN_BAD_INPUT', `gasLimit ${gasLimit} exceeds Osaka's per-transaction cap 16777216`)
  }
  const edr = await createEdrProvider({
    chainId,
    privateKeys: keys,
    balance: opts.balance ?? parseEther('10000'),
    gasLimit,
  })
  let closed = false
  const request: Eip1193Request = (args) => {
    if (closed) return Promise.reject(new ChainError('CHAIN_RPC_UNREACHABLE', 'the local EVM is closed'))
    return edr.request(args)
  }
  const handle: EdrProvider['handle'] = (req) => {
    if (closed) return Promise.reject(new ChainError('CHAIN_RPC_UNREACHABLE', 'the local EVM is closed'))
    return edr.handle(req)
  }
  const chain = localChain(chainId)
  const transport = custom({ request }, { retryCount: 0 })
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as LocalPublicClient
  const accounts = keys.map((k) => privateKeyToAccount(k))
  const wallets = accounts.map(
    (account) => createWalletClient({ chain, transport, account, pollingInterval: 50 }) as LocalWalletClient,
  )
  return {
    chainId,
    chain,
    request,
    handle,
    publicClient,
    wallets,
    accounts,
    async close() {
      closed = true
    },
  }
}
