import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { deriveAppKeys, SecretBytes } from '../crypto/index.js'
import { AppK256Cache } from './appKeyCache.js'

const rnd = (n: number) => new Uint8Array(randomBytes(n))

describe('AppK256Cache', () => {
  it('returns exactly what deriveAppKeys derives, from cache on repeat', () => {
    const rootCa = rnd(32)
    rootCa[0] = 1
    const root = new SecretBytes(rnd(32))
    const cache = new AppK256Cache(4)
    const appId = rnd(20)
    const want = deriveAppKeys({ rootCaScalar: rootCa, rootK256Scalar: root.expose(), appId, instanceId: rnd(20) })
    const first = cache.get(root, appId)
    expect(first.key.expose()).toEqual(want.k256Key)
    expect(first.signature).toEqual(want.k256Signature)
    expect(cache.get(root, appId)).toBe(first)
  })

  it('evicts the least recently used entry and wipes its key', () => {
    const root = new SecretBytes(rnd(32))
    const cache = new AppK256Cache(2)
    const [a, b, c] = [rnd(20), rnd(20), rnd(20)]
    const ea = cache.get(root, a)
    const keyA = ea.key.expose().slice()
    cache.get(root, b)
    cache.get(root, a) // a is now most recent; b is the eviction candidate
    const eb = cache.get(root, b)
    cache.get(root, c) // evicts a (b was touched after a)
    expect(ea.key.expose().every((x) => x === 0)).toBe(true)
    expect(eb.key.expose().some((x) => x !== 0)).toBe(true)
    expect(cache.get(root, a).key.expose()).toEqual(keyA)
  })
})
