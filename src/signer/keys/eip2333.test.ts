import { SecretKey } from '@chainsafe/blst'
import { describe, expect, it } from 'vitest'
import { fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import { deriveChildSK, deriveMasterSK, parentSkToLamportPk, secretKeyToBigint } from './eip2333.js'
import { deriveKeyFromPath, parseKeyPath, signingKeyPath, withdrawalKeyPath } from './eip2334.js'

// EIP-2333 "Test Cases" 0-3 (ethereum/ERCs ERCS/erc-2333.md); identical to staking-deposit-cli
// tests/test_key_handling/test_key_derivation/test_vectors/tree_kdf.json @ e04863f.
const VECTORS = [
  {
    seed: 'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
    masterSK: 6083874454709270928345386274498605044986640685124978867557563392430687146096n,
    childIndex: 0,
    childSK: 20397789859736650942317412262472558107875392172444076792671091975210932703118n,
  },
  {
    seed: '3141592653589793238462643383279502884197169399375105820974944592',
    masterSK: 29757020647961307431480504535336562678282505419141012933316116377660817309383n,
    childIndex: 3141592653,
    childSK: 25457201688850691947727629385191704516744796114925897962676248250929345014287n,
  },
  {
    seed: '0099FF991111002299DD7744EE3355BBDD8844115566CC55663355668888CC00',
    masterSK: 27580842291869792442942448775674722299803720648445448686099262467207037398656n,
    childIndex: 4294967295,
    childSK: 29358610794459428860402234341874281240803786294062035874021252734817515685787n,
  },
  {
    seed: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3',
    masterSK: 19022158461524446591288038168518313374041767046816487870552872741050760015818n,
    childIndex: 42,
    childSK: 31372231650479070279774297061823572166496564838472787488249775572789064611981n,
  },
]

describe('EIP-2333 official vectors', () => {
  for (const [i, v] of VECTORS.entries()) {
    it(`test case ${i}`, () => {
      const master = deriveMasterSK(fromHex(v.seed))
      expect(secretKeyToBigint(master)).toBe(v.masterSK)
      const child = deriveChildSK(master, v.childIndex)
      expect(secretKeyToBigint(child)).toBe(v.childSK)
      // cross-check against blst's own EIP-2333 implementation
      const blstChild = SecretKey.deriveMasterEip2333(fromHex(v.seed)).deriveChildEip2333(v.childIndex)
      expect(toHex(blstChild.toBytes())).toBe(toHex(child.expose()))
    })
  }

  it('intermediate vector: compressed_lamport_PK', () => {
    const master = deriveMasterSK(fromHex(VECTORS[0]!.seed))
    expect(toHex(parentSkToLamportPk(master.expose(), 0))).toBe(
      'dd635d27d1d52b9a49df9e5c0c622360a4dd17cba7db4e89bce3cb048fb721a5',
    )
  })

  it('rejects short seeds and bad indices', () => {
    expect(() => deriveMasterSK(new Uint8Array(31))).toThrow(RangeError)
    const sk = new SecretBytes(new Uint8Array(32).fill(1))
    expect(() => deriveChildSK(sk, -1)).toThrow(RangeError)
    expect(() => deriveChildSK(sk, 2 ** 32)).toThrow(RangeError)
  })
})

describe('EIP-2334 paths', () => {
  it('parses and builds validator paths', () => {
    expect(signingKeyPath(7)).toBe('m/12381/3600/7/0/0')
    expect(withdrawalKeyPath(7)).toBe('m/12381/3600/7/0')
    expect(parseKeyPath('m/12381/3600/0/0/0')).toEqual([12381, 3600, 0, 0, 0])
    expect(parseKeyPath('m')).toEqual([])
  })

  it('rejects malformed paths', () => {
    for (const p of ['', 'x/1', 'm/-1', 'm/01', 'm/1.5', 'm/4294967296', 'm//1', 'm/12381/']) {
      expect(() => parseKeyPath(p), p).toThrow(RangeError)
    }
  })

  it('derives along the path like repeated derive_child_SK', () => {
    const seed = fromHex(VECTORS[3]!.seed)
    let sk = deriveMasterSK(seed)
    for (const i of [12381, 3600, 0, 0, 0]) sk = deriveChildSK(sk, i)
    expect(toHex(deriveKeyFromPath(seed, 'm/12381/3600/0/0/0').expose())).toBe(toHex(sk.expose()))
  })
})
