/** Small helpers shared by the contract tests (src/chain/custos*.test.ts). */
import { type Abi, type Hash, type Hex, pad, parseEventLogs, toHex } from 'viem'
import { expect } from 'vitest'
import { type ChainError, confirmTx } from '../../src/chain/index.js'
import type { LocalEvm } from '../../src/devchain/index.js'

export const h32 = (n: number): Hex => pad(toHex(n), { size: 32 })

/** Expect the write to revert with the given custom error (or "Error" for a revert string). */
export async function expectRevert(evm: LocalEvm, send: Promise<Hash>, errorName: string): Promise<ChainError> {
  const err = (await confirmTx(evm.publicClient, send).then(
    () => undefined,
    (e) => e,
  )) as ChainError | undefined
  expect(err, `expected a ${errorName} revert`).toBeDefined()
  expect(err!.code).toBe('CHAIN_REVERTED')
  expect(err!.meta.errorName).toBe(errorName)
  return err!
}

/** Send, wait, and return the decoded events of the receipt. */
export async function events(evm: LocalEvm, abi: Abi, send: Promise<Hash>) {
  const receipt = await confirmTx(evm.publicClient, send)
  return parseEventLogs({ abi, logs: receipt.logs }).map((l) => ({
    eventName: l.eventName,
    args: l.args as Record<string, unknown>,
  }))
}
