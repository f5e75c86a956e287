import { type Hash, NonceTooLowError } from 'viem'
import { describe, expect, it } from 'vitest'
import { ChainError } from '../../chain/index.js'
import { explainRevert, retryableReason, sendWithRetry } from './tx.js'

const HASH = `0x${'ab'.repeat(32)}` as Hash

describe('retryableReason', () => {
  it('spots nonce / replacement / fee races anywhere in the cause chain', () => {
    expect(retryableReason(new NonceTooLowError())).toBe('nonce too low')
    expect(retryableReason(new Error('outer', { cause: new Error('nonce too low: next nonce 5, tx nonce 4') }))).toBe(
      'nonce too low',
    )
    expect(retryableReason(new Error('replacement transaction underpriced'))).toBe(
      'replacement transaction underpriced',
    )
    expect(retryableReason(new Error('max fee per gas less than block base fee'))).toBe('fee too low')
  })
  it('never retries reverts or unrelated failures', () => {
    expect(retryableReason(new ChainError('CHAIN_REVERTED', 'x reverted: nonce too low'))).toBeUndefined()
    expect(retryableReason(new Error('insufficient funds for gas'))).toBeUndefined()
  })
})

describe('sendWithRetry', () => {
  const noSleep = async () => {}

  it('retries a bounded number of times with a clear message, then succeeds', async () => {
    const warnings: string[] = []
    let calls = 0
    const hash = await sendWithRetry(
      async () => {
        calls++
        if (calls < 3) throw new Error('nonce too low')
        return HASH
      },
      'addOsImageHash',
      { retries: 3, sleep: noSleep, warn: (l) => warnings.push(l) },
    )
    expect(hash).toBe(HASH)
    expect(calls).toBe(3)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^addOsImageHash: nonce too low \(.*\); retrying in 1\.0 s \(attempt 2 of 4\)$/)
    expect(warnings[1]).toMatch(/retrying in 2\.0 s \(attempt 3 of 4\)/)
  })

  it('gives up after the bound with a ChainError that says what to do', async () => {
    let calls = 0
    const err = await sendWithRetry(
      async () => {
        calls++
        throw new Error('replacement transaction underpriced')
      },
      'addComposeHash',
      { retries: 2, sleep: noSleep },
    ).catch((e) => e)
    expect(calls).toBe(3)
    expect(err).toBeInstanceOf(ChainError)
    expect(err.code).toBe('CHAIN_RPC_UNREACHABLE')
    expect(err.shortMessage).toMatch(/after 3 attempts: replacement transaction underpriced .*run the command again/)
  })

  it('does not retry other failures', async () => {
    let calls = 0
    const boom = new Error('insufficient funds')
    await expect(
      sendWithRetry(
        async () => {
          calls++
          throw boom
        },
        'x',
        { retries: 3, sleep: noSleep },
      ),
    ).rejects.toBe(boom)
    expect(calls).toBe(1)
  })
})

describe('explainRevert', () => {
  it('spells out the custom error and its args with a hint', () => {
    const e = new ChainError('CHAIN_REVERTED', 'addOsImageHash reverted: NotOwner', {
      errorName: 'NotOwner',
      args: JSON.stringify(['0x70997970C51812dc3A010C7d01b50e0d17dc79C8']),
    })
    const out = explainRevert(e) as ChainError
    expect(out.code).toBe('CHAIN_REVERTED')
    expect(out.shortMessage).toBe(
      'addOsImageHash reverted: NotOwner(0x70997970C51812dc3A010C7d01b50e0d17dc79C8) — only the contract owner may do this',
    )
    const s = explainRevert(
      new ChainError('CHAIN_REVERTED', 'f reverted: boom', { errorName: 'Error', reason: 'boom' }),
    )
    expect((s as ChainError).shortMessage).toBe('f reverted: boom')
  })
})
