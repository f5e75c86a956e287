import type { Abi, Address } from 'viem'
import { type ChainCliOptions, openWriter, type WriteContext } from './context.js'
import { txJson, txLine } from './format.js'
import { explainRevert, type TxResult, waitDeployed, writeTx } from './tx.js'

export const out = (l: string) => process.stdout.write(`${l}\n`)
export const warn = (l: string) => process.stderr.write(`${l}\n`)

/** Print a value as JSON (bigints as decimal strings). */
export function printJson(v: unknown): void {
  out(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2))
}

export interface WritePlan {
  abi: Abi
  address: Address
  /** "CustosKms", "app", "CustosCommittee": for the not-deployed message */
  contract: string
  functionName: string
  args: readonly unknown[]
  what: string
}

/**
 * One contract write as the CLI does it: signer + chain checks, the contract has code (retried while a fresh
 * deployment propagates), send with bounded retries, wait for the receipt, print `tx … in block …` or JSON.
 * `plan` runs after connecting (so it can read the chain), but every argument was parsed before.
 */
export async function runWrite(
  o: ChainCliOptions,
  plan: (ctx: WriteContext) => Promise<WritePlan> | WritePlan,
  after?: (ctx: WriteContext, r: TxResult) => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<void> {
  const ctx = await openWriter(o)
  let r: TxResult
  let extra: Record<string, unknown> = {}
  try {
    const p = await plan(ctx)
    await waitDeployed(ctx, p.address, p.contract, warn)
    r = await writeTx(ctx, { abi: p.abi, address: p.address, functionName: p.functionName, args: p.args }, p.what, warn)
    if (after) extra = await after(ctx, r)
  } catch (e) {
    throw explainRevert(e, ctx.account.address)
  }
  if (ctx.json) printJson(txJson(r, extra))
  else {
    out(txLine(r))
    for (const [k, v] of Object.entries(extra)) out(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
  }
}
