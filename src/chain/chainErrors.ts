import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hash,
  type Hex,
  HttpRequestError,
  type PublicClient,
  TimeoutError,
  type TransactionReceipt,
  WebSocketRequestError,
} from 'viem'
import { ChainError } from './errors.js'

function jsonSafe(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))
}

/**
 * Map a viem error to a ChainError: reverts → CHAIN_REVERTED (meta.errorName = the custom error or "Error",
 * meta.reason = the revert string, meta.args = JSON of the custom error's args); transport failures →
 * CHAIN_RPC_UNREACHABLE. Anything else is returned unchanged.
 */
export function toChainError(e: unknown, what = 'the contract call', abi?: Abi): unknown {
  if (e instanceof ChainError) return e
  if (!(e instanceof BaseError)) return e
  if (abi) {
    // deployments and raw calls carry no ABI context: decode the revert data with the one we were given
    const withData = e.walk((x) => typeof (x as { data?: unknown }).data === 'string')
    const data = (withData as { data?: Hex } | null)?.data
    if (data && data.length >= 10) {
      try {
        const d = decodeErrorResult({ abi, data })
        const meta: Record<string, string> = { errorName: d.errorName }
        if (d.errorName === 'Error') meta.reason = String(d.args?.[0])
        else if (d.args) meta.args = jsonSafe(d.args)
        return new ChainError('CHAIN_REVERTED', `${what} reverted: ${meta.reason ?? d.errorName}`, meta, { cause: e })
      } catch {
        // not an error of this ABI: fall through
      }
    }
  }
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError)
  if (revert instanceof ContractFunctionRevertedError) {
    const errorName = revert.data?.errorName ?? (revert.reason ? 'Error' : 'unknown')
    const meta: Record<string, string> = { errorName }
    if (revert.reason) meta.reason = revert.reason
    if (revert.data?.args) meta.args = jsonSafe(revert.data.args)
    const detail = revert.reason ?? errorName
    return new ChainError('CHAIN_REVERTED', `${what} reverted: ${detail}`, meta, { cause: e })
  }
  const transport = e.walk(
    (x) => x instanceof HttpRequestError || x instanceof TimeoutError || x instanceof WebSocketRequestError,
  )
  if (transport) {
    return new ChainError(
      'CHAIN_RPC_UNREACHABLE',
      `${what} failed: the JSON-RPC endpoint did not answer`,
      {},
      { cause: e },
    )
  }
  return e
}

/**
 * Await a write (`contract.write.fn([...])` or `wallet.writeContract(...)`), wait for its receipt and throw
 * CHAIN_REVERTED if it reverted. viem estimates gas first, so most reverts surface before sending, decoded.
 */
export async function confirmTx(
  publicClient: Pick<PublicClient, 'waitForTransactionReceipt'>,
  send: Promise<Hash>,
  what = 'the transaction',
): Promise<TransactionReceipt> {
  let hash: Hash
  try {
    hash = await send
  } catch (e) {
    throw toChainError(e, what)
  }
  let receipt: TransactionReceipt
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })
  } catch (e) {
    throw toChainError(e, what)
  }
  if (receipt.status !== 'success') {
    throw new ChainError('CHAIN_REVERTED', `${what} reverted on chain`, { errorName: 'unknown', txHash: hash })
  }
  return receipt
}

/** Run a read and map its failure to a ChainError. */
export async function readChain<T>(read: Promise<T>, what = 'the contract read'): Promise<T> {
  try {
    return await read
  } catch (e) {
    throw toChainError(e, what)
  }
}
