import type edrModule from '@nomicfoundation/edr'
import { type Hex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ChainError } from '../chain/index.js'

type Edr = typeof edrModule

/** An EIP-1193 request function (what viem's `custom()` transport takes). */
export type Eip1193Request = (args: { method: string; params?: unknown }) => Promise<unknown>

/** A JSON-RPC error object as a JSON-RPC client should see it (geth style: reverts are code 3, data = hex). */
export interface RpcErrorObject {
  code: number
  message: string
  data?: unknown
}

export interface EdrProviderOptions {
  chainId: number
  privateKeys: readonly Hex[]
  /** wei per account */
  balance: bigint
  /** ≤ 16,777,216 (Osaka's per-transaction cap, EIP-7825) */
  gasLimit: bigint
}

export interface EdrProvider {
  /** raw JSON-RPC: one request object in, one response object out (`{jsonrpc, id, result}` or `{…, error}`) */
  handle(request: { id?: unknown; method: string; params?: unknown }): Promise<Record<string, unknown>>
  request: Eip1193Request
}

// The native EVM (~100 MB) is loaded on first use, not when devchain/ is imported (`custos contracts` only
// needs the dev keys from here).
let edrPromise: Promise<Edr> | undefined
const loadEdr = (): Promise<Edr> => {
  edrPromise ??= import('@nomicfoundation/edr').then((m) => m.default)
  return edrPromise
}

// "EdrContext should only be constructed once" per process.
let contextPromise: Promise<InstanceType<Edr['EdrContext']>> | undefined
function edrContext(edr: Edr): Promise<InstanceType<Edr['EdrContext']>> {
  contextPromise ??= (async () => {
    const ctx = new edr.EdrContext()
    await ctx.registerProviderFactory(edr.L1_CHAIN_TYPE, edr.l1ProviderFactory())
    return ctx
  })()
  return contextPromise
}

/** Start an in-process EDR (Hardhat's EVM) L1 chain: Osaka, auto-mine, funded owned accounts. */
export async function createEdrProvider(opts: EdrProviderOptions): Promise<EdrProvider> {
  const edr = await loadEdr()
  const hardfork = edr.OSAKA
  const genesisState = [
    ...edr.l1GenesisState(edr.l1HardforkFromString(hardfork)),
    ...opts.privateKeys.map((k) => ({ address: hexToBytes(privateKeyToAccount(k).address), balance: opts.balance })),
  ]
  let provider: Awaited<ReturnType<InstanceType<Edr['EdrContext']>['createProvider']>>
  try {
    const ctx = await edrContext(edr)
    provider = await ctx.createProvider(
      edr.L1_CHAIN_TYPE,
      {
        allowBlocksWithSameTimestamp: false,
        allowUnlimitedContractSize: false,
        bailOnCallFailure: true,
        bailOnTransactionFailure: true,
        chainId: BigInt(opts.chainId),
        coinbase: new Uint8Array(20),
        defaultTransactionGasLimit: opts.gasLimit,
        genesisState,
        hardfork,
        initialBaseFeePerGas: 1_000_000_000n,
        minGasPrice: 0n,
        mining: { autoMine: true, memPool: { order: edr.MineOrdering.Priority }, blockGasLimit: 30_000_000n },
        network: { genesisBlockGasLimit: 30_000_000n },
        networkId: BigInt(opts.chainId),
        observability: {},
        ownedAccounts: opts.privateKeys.map((k) => k),
        precompileOverrides: [],
      },
      { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
      { subscriptionCallback: () => {} },
      new edr.ContractDecoder(),
    )
  } catch (e) {
    throw new ChainError('CHAIN_EVM_FAILED', 'the in-process EVM (EDR) did not start', {}, { cause: e })
  }
  let nextId = 1
  const handle: EdrProvider['handle'] = async (req) => {
    const internalId = nextId++
    const id = req.id === undefined ? internalId : req.id
    const res = await provider.handleRequest(
      JSON.stringify({ jsonrpc: '2.0', id: internalId, method: req.method, params: req.params ?? [] }),
    )
    const body = (typeof res.data === 'string' ? JSON.parse(res.data) : res.data) as Record<string, unknown>
    if (body.error) return { jsonrpc: '2.0', id, error: normalizeRpcError(body.error as RpcErrorObject) }
    return { jsonrpc: '2.0', id, result: body.result ?? null }
  }
  const request: Eip1193Request = async ({ method, params }) => {
    const body = await handle({ method, params })
    if (body.error) throw Object.assign(new Error((body.error as RpcErrorObject).message), body.error)
    return body.result
  }
  return { handle, request }
}

/**
 * EDR reports reverts as `{code: -32000 | -32603, data: {data: "0x…"}}`; geth and viem expect
 * `{code: 3, data: "0x…"}`. Map that shape so viem decodes custom errors and revert strings.
 */
export function normalizeRpcError(err: RpcErrorObject): RpcErrorObject {
  const inner = err.data as { data?: unknown } | undefined
  if (inner && typeof inner === 'object' && typeof inner.data === 'string' && inner.data.startsWith('0x')) {
    return { code: 3, message: err.message, data: inner.data }
  }
  return { code: err.code, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) }
}
