import { createHash, randomBytes } from 'node:crypto'
import { hasher, setHasher } from '@chainsafe/persistent-merkle-tree'
import { hasher as nobleHasher } from '@chainsafe/persistent-merkle-tree/hasher/noble'
import { ssz } from '@lodestar/types'
import { describe, expect, it } from 'vitest'
import { sszHasherName } from './sszHasher.js'
import { exactUint64 } from './sszJson.js'

const sha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest())
const chunkU64 = (n: bigint) => {
  const c = new Uint8Array(32)
  new DataView(c.buffer).setBigUint64(0, n, true)
  return c
}
/** hash_tree_root of phase0 AttestationData written out by hand (consensus-specs SSZ merkleization, node:crypto). */
function attestationDataRoot(v: {
  slot: bigint
  index: bigint
  beaconBlockRoot: Uint8Array
  source: { epoch: bigint; root: Uint8Array }
  target: { epoch: bigint; root: Uint8Array }
}): Uint8Array {
  const checkpoint = (c: { epoch: bigint; root: Uint8Array }) => sha256(chunkU64(c.epoch), c.root)
  const zero = new Uint8Array(32)
  // 5 fields → 8 leaves, zero-padded
  const leaves = [chunkU64(v.slot), chunkU64(v.index), v.beaconBlockRoot, checkpoint(v.source), checkpoint(v.target)]
  while (leaves.length < 8) leaves.push(zero)
  let level = leaves
  while (level.length > 1) level = level.flatMap((_, i) => (i % 2 ? [] : [sha256(level[i]!, level[i + 1]!)]))
  return level[0]!
}

describe('ssz hasher', () => {
  // Either backend is fine: the native hashtree binding when it loads, the WebAssembly as-sha256 otherwise.
  it(`is a supported backend, the one installed process-wide (here: ${sszHasherName()})`, () => {
    expect(['hashtree', 'as-sha256']).toContain(sszHasherName())
    expect(hasher.name).toBe(sszHasherName())
  })

  it('gives the hash_tree_root computed by hand with node:crypto SHA-256', () => {
    const type = exactUint64(ssz.phase0.AttestationData)
    const rnd = () => new Uint8Array(randomBytes(32))
    for (let i = 0; i < 20; i++) {
      const v = {
        slot: BigInt(i) * 7919n,
        index: BigInt(i),
        beaconBlockRoot: rnd(),
        source: { epoch: BigInt(i), root: rnd() },
        target: { epoch: BigInt(i + 1), root: rnd() },
      }
      expect(Buffer.from(type.hashTreeRoot(v)).toString('hex')).toBe(
        Buffer.from(attestationDataRoot(v)).toString('hex'),
      )
    }
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
    const chosen = hasher
    setHasher(nobleHasher)
    try {
      expect(values.map((v) => type.hashTreeRoot(v))).toEqual(fast)
      expect(ssz.electra.BeaconBlock.hashTreeRoot(block)).toEqual(fastBlock)
    } finally {
      setHasher(chosen) // back to what the module chose
    }
  })
})
