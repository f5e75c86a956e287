import {
  type Abi,
  type Address,
  type Hash,
  NonceTooLowError,
  parseEventLogs,
  type TransactionReceipt,
  type WriteContractParameters,
} from 'viem'
import { assertDeployed, ChainError, confirmTx, toChainError } from '../../chain/index.js'
import { CustosError } from '../../errors.js'
import type { ChainContext, WriteContext } from './context.js'

const RETRYABLE: Array<[RegExp, string]> = [
  [/nonce too low|nonce has already been used|nonce is too low|invalid nonce/i, 'nonce too low'],
  [/replacement transaction underpriced|replacement fee too low/i, 'replacement transaction underpriced'],
  [/transaction underpriced|max fee per gas less than block base fee|fee cap less than block base fee/i, 'fee too low'],
]

const HINT: Record<string, string> = {
  'nonce too low': 'an earlier transaction from this account was just mined or is still propagating between RPC nodes',
  'replacement transaction underpriced': 'a pending transaction with the same nonce is still in the mempool',
  'fee too low': 'the base fee moved while the transaction was prepared',
}

/** Why a send failure is worth retrying (nonce / replacement / fee races), or undefined for a real failure. */
export function retryableReason(e: unknown): string | undefined {
  let cur: unknown = e
  for (let depth = 0; cur && depth < 12; depth++) {
    if (cur instanceof NonceTooLowError) return 'nonce too low'
    // a revert is never retried, whatever its text
    if (cur instanceof ChainError && cur.code === 'CHAIN_REVERTED') return undefined
    const text = [
      (cur as { message?: unknown }).message,
      (cur as { details?: unknown }).details,
      (cur as { shortMessage?: unknown }).shortMessage,
    ]
      .filter((x) => typeof x === 'string')
      .join(' ')
    for (const [re, reason] of RETRYABLE) if (re.test(text)) return reason
    cur = (cur as { cause?: unknown }).cause
  }
  return undefined
}

export interface RetryOptions {
  retries: number
  /** delay before attempt i+1 (ms); default 1 s, 2 s, 4 s … capped at 10 s */
  delayMs?: (attempt: number) => number
  /** progress lines for a person (stderr in the CLI) */
  warn?: (line: string) => void
  sleep?: (ms: number) => Promise<void>
  /** ABI to decode revert data that carries no ABI context */
  abi?: Abi
}

const defaultDelay = (attempt: number) => Math.min(10_000, 1000 * 2 ** (attempt - 1))
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Call `send` (which signs with a fresh nonce each time) and retry a bounded number of times on the
 * nonce / replacement / fee races public RPCs produce when transactions follow each other quickly
 * (the dstack hardhat guides' "nonce too low … wait and rerun"). Other failures are mapped by toChainError.
 */
export async function sendWithRetry<T = Hash>(send: () => Promise<T>, what: string, o: RetryOptions): Promise<T> {
  const delay = o.delayMs ?? defaultDelay
  const sleep = o.sleep ?? realSleep
  for (let attempt = 1; ; attempt++) {
    try {
      return await send()
    } catch (e) {
      const reason = retryableReason(e)
      if (!reason || attempt > o.retries) {
        const mapped = toChainError(e, what, o.abi)
        if (reason && mapped === e) {
          throw new ChainError(
            'CHAIN_RPC_UNREACHABLE',
            `${what} failed after ${attempt} attempts: ${reason} (${HINT[reason]}); wait a few seconds and run the command again`,
            { reason },
            { cause: e },
          )
        }
        throw mapped
      }
      const ms = delay(attempt)
      o.warn?.(
        `${what}: ${reason} (${HINT[reason]}); retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${o.retries + 1})`,
      )
      await sleep(ms)
    }
  }
}

/** assertDeployed, retried while a freshly deployed contract has not reached this RPC node yet. */
export async function waitDeployed(ctx: ChainContext, address: Address, what: string, warn?: (l: string) => void) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await assertDeployed(ctx.publicClient, address, what)
    } catch (e) {
      if (!(e instanceof ChainError) || e.code !== 'CHAIN_NOT_DEPLOYED' || attempt > ctx.retries) throw e
      const ms = defaultDelay(attempt)
      warn?.(`no ${what} code at ${address} yet (the deployment may still be propagating); retrying in ${ms / 1000} s`)
      await realSleep(ms)
    }
  }
}

export interface TxResult {
  what: string
  txHash: Hash
  blockNumber: number
  gasUsed: string
  from: Address
  receipt: TransactionReceipt
}

/** Send a contract write with retries, wait for the receipt (confirmTx), decode reverts with the contract's ABI. */
export async function writeTx(
  ctx: WriteContext,
  call: { abi: Abi; address: Address; functionName: string; args: readonly unknown[] },
  what: string,
  warn?: (l: string) => void,
): Promise<TxResult> {
  const send = () =>
    ctx.wallet.writeContract({
      ...call,
      account: ctx.account,
      chain: ctx.chain,
    } as unknown as WriteContractParameters)
  const hash = await sendWithRetry(send, what, { retries: ctx.retries, abi: call.abi, ...(warn ? { warn } : {}) })
  const receipt = await confirmTx(ctx.publicClient, Promise.resolve(hash), what)
  return {
    what,
    txHash: hash,
    blockNumber: Number(receipt.blockNumber),
    gasUsed: receipt.gasUsed.toString(),
    from: ctx.account.address,
    receipt,
  }
}

/** The first event named `eventName` in a receipt (decoded with `abi`). */
export function eventOf(abi: Abi, receipt: TransactionReceipt, eventName: string): Record<string, unknown> | undefined {
  const logs = parseEventLogs({ abi, logs: receipt.logs })
  return logs.find((l) => l.eventName === eventName)?.args as Record<string, unknown> | undefined
}

/**
 * A revert as one readable line: `addOsImageHash reverted: NotOwner(0x7099…)`; a hint for the usual cases.
 * Other errors pass through unchanged.
 */
export function explainRevert(e: unknown, signer?: Address): unknown {
  if (!(e instanceof CustosError) || e.code !== 'CHAIN_REVERTED') return e
  const name = String(e.meta.errorName ?? 'unknown')
  const args = typeof e.meta.args === 'string' ? (JSON.parse(e.meta.args) as unknown[]) : undefined
  const detail = e.meta.reason
    ? String(e.meta.reason)
    : `${name}${args ? `(${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ')})` : ''}`
  const hints: Record<string, string> = {
    NotOwner: `only the contract owner may do this${signer ? `; the signer was ${signer}` : ''}`,
    NotParticipant: `only a current committee participant may do this${signer ? `; the signer was ${signer}` : ''}`,
    AlreadyVoted: 'this account already voted for exactly this',
    WrongEpoch: 'the committee moved on: run `custos contracts show` and use its next epoch id',
    NotRunning: 'the committee is resharing: finish it (committee reshared) or cancel it first',
    NotResharing: 'the committee is not resharing',
  }
  const what = e.shortMessage.replace(/ reverted.*$/, '')
  const hint = hints[name]
  return new ChainError(
    'CHAIN_REVERTED',
    `${what} reverted: ${detail}${hint ? ` — ${hint}` : ''}`,
    { ...e.meta },
    { cause: e },
  )
}
