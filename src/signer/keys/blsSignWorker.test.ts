import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { SecretBytes } from '../../crypto/index.js'
import { BlsSignWorker } from './blsSignWorker.js'
import { deriveMasterSK } from './eip2333.js'
import { signRoot } from './signRoot.js'

const worker = new BlsSignWorker()
afterAll(() => worker.close())

describe('BlsSignWorker', () => {
  it('signs exactly what signRoot signs, concurrently, and leaves the caller key intact', async () => {
    const keys = Array.from({ length: 4 }, () => deriveMasterSK(new Uint8Array(randomBytes(32))))
    const roots = Array.from({ length: 40 }, () => new Uint8Array(randomBytes(32)))
    const sigs = await Promise.all(roots.map((r, i) => worker.sign(keys[i % 4]!, r)))
    for (const [i, s] of sigs.entries()) expect(s).toEqual(signRoot(keys[i % 4]!, roots[i]!))
    expect(keys.every((k) => k.expose().some((b) => b !== 0))).toBe(true)
  })

  it('rejects a bad root and an invalid key without breaking later jobs', async () => {
    const k = deriveMasterSK(new Uint8Array(randomBytes(32)))
    // a RangeError (no code) from the caller's thread, before any job is posted
    const short = worker.sign(k, new Uint8Array(31))
    await expect(short).rejects.toBeInstanceOf(RangeError)
    await expect(short).rejects.toThrow(/^a signing root is 32 bytes$/)
    await expect(worker.sign(new SecretBytes(new Uint8Array(32)), new Uint8Array(32))).rejects.toThrow(
      /BLS signing failed/,
    )
    const r = new Uint8Array(randomBytes(32))
    expect(await worker.sign(k, r)).toEqual(signRoot(k, r))
  })
})
