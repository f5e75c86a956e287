import { randomBytes } from 'node:crypto'
import { setHasher } from '@chainsafe/persistent-merkle-tree'
import { hasher as hashtreeHasher } from '@chainsafe/persistent-merkle-tree/hasher/hashtree'
import { hasher as nobleHasher } from '@chainsafe/persistent-merkle-tree/hasher/noble'
import { ssz } from '@lodestar/types'
import { describe, expect, it } from 'vitest'
import { sszHasherName } from './sszHasher.js'
import { exactUint64 } from './sszJson.js'

describe('ssz hasher', () => {
  it('is the native hashtree binding on this platform', () => {
    expect(sszHasherName()).toBe('hashtree')
  })

  it('gives the same roots as the reference noble hasher', () => {
    const type = exactUint64(ssz.phase0.AttestationData)
    const rnd = () => new Uint8Array(randomBytes(32))
    const values = Array.from({ length: 20 }, (_, i) => ({
      slot: BigInt(i) * 7919n,
      index: BigInt(i),
      beaconBlockRoot: rnd(),
      source: { epoch: BigInt(i), root: rnd() },
      target: { epoch: BigInt(i + 1), root: rnd() },
    }))
    const fast = values.map((v) => type.hashTreeRoot(v))
    const block = ssz.electra.BeaconBlock.defaultValue()
    const fastBlock = ssz.electra.BeaconBlock.hashTreeRoot(block)
    setHasher(nobleHasher)
    try {
      expect(values.map((v) => type.hashTreeRoot(v))).toEqual(fast)
      expect(ssz.electra.BeaconBlock.hashTreeRoot(block)).toEqual(fastBlock)
    } finally {
      setHasher(hashtreeHasher) // back to what the module chose
    }
  })
})
