/** near-mpc.md §3 known-answer vectors (§3.1 Rust snapshots, §3.2 live testnet, §3.3 near-ca, §3.4 chainsig.js). */
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, bytesToNumberLE } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { MpcError } from '../errors.js'
import { deriveChainKeys, parseRootKey } from './chainKeys.js'
import { derivePublicKey, tweakScalar } from './deriveKey.js'
import { formatNearPublicKey, parseNearPublicKey } from './nearKey.js'
import { deriveTweak } from './tweak.js'

const TESTNET_SECP =
  'secp256k1:4NfTiv3UsGahebgTaHyD9vF8KYKMBnfd6kh94mK6xv8fGBiJB8TBtFMP5WWXz6B89Ac1fbpzPwAvoyQebemHFwx3'
const TESTNET_ED = 'ed25519:6vSEtQxrQj6txUMh33WC4ERyCWmNMRTdufDWAaDY3Un2'

const secpKeys = (root: string, predecessor: string, path: string) => {
  const r = parseRootKey(root)
  const k = deriveChainKeys(r.scheme, r.publicKey, predecessor, path)
  if (k.scheme !== 'Secp256k1Frost') throw new Error('expected secp256k1')
  return k
}
const edKeys = (root: string, predecessor: string, path: string) => {
  const r = parseRootKey(root)
  const k = deriveChainKeys(r.scheme, r.publicKey, predecessor, path)
  if (k.scheme !== 'Ed25519') throw new Error('expected ed25519')
  return k
}

describe('near-mpc.md §3.1 (Rust snapshot vectors)', () => {
  it.each([
    ['dwefqwg', 'frwewegwegweg', 'ad2d6fc1f445a1b43830415e7e6e3d03cd077673047848a085f130c24f53ee00'],
    ['dwefqwg', 'fwei2.3f230', '5f76eba48a20e3dd355e38f512c142ab8c8da4999f6b32ecd326d227b44ac05a'],
    ['hello', 'my-path', 'da30fae7557313c718e04d4691596618ce0f4d2d31d5c23cbc216ad0a86d2818'],
  ])('tweak(%s, %s)', (pred, path, tweak) => {
    expect(bytesToHex(deriveTweak(pred, path))).toBe(tweak)
  })

  const rootSecret = hexToBytes('1be2d390d2a3b5c70752bdd3fd3b7151f064cd7ca05322c010d2ef76727fce31')

  it('secp256k1 derived-key snapshot (secret read BE)', () => {
    const root = 'secp256k1:3PsZsvCDaDgG99DinUdnvrh22BYtXBWXZ7tNCboGUS6VangNYEcTLjKubkDQEhJFcP5yKsFRTthYVYnp5XkAVoZu'
    const pub = secp256k1.Point.BASE.multiply(bytesToNumberBE(rootSecret)).toBytes(false)
    expect(bytesToHex(pub)).toBe(
      '0477c1ff8a2593f5cbe17dd6f05d4fe21f9f3393d90d47cc67f0cf33593e2436e434af6b6ea1bcdb3ca31808472fdda9bb66ab1db74c91da3c7f0c95509adeea3c',
    )
    expect(formatNearPublicKey('secp256k1', pub)).toBe(root)
    const k = secpKeys(root, 'hello', 'my-path')
    expect(bytesToHex(k.uncompressed)).toBe(
      '04c802275eb64d8c38f7e915a55b8e77a0916afd06dc45b15649dea8a56bc81db3bf7d21e0cc64531fa1bafa385c29017ca16d747b4ad52a3f1b8a00f616b275af',
    )
    expect(k.nearPublicKey).toBe(
      'secp256k1:4zvzanBjPrvRWAr3mjdPX9sSkS8GZTZ11L6V2pcAbmHRd3HHbTyboHdWauExDmHrEoWnbhDkUwnzVEa8hg52C55p',
    )
    // secret side: sk_root + t mod n gives the derived key
    const sk = secp256k1.Point.Fn.add(bytesToNumberBE(rootSecret), tweakScalar('Secp256k1Frost', k.tweak))
    expect(secp256k1.Point.BASE.multiply(sk).toBytes(false)).toEqual(k.uncompressed)
  })

  it('Ed25519 derived-key snapshot (secret read LE mod l)', () => {
    const root = 'ed25519:6NsSnDe33StXL77UCg9J3eWmLL5fe6UsxTTujrGzZ2Eq'
    const a = ed25519.Point.Fn.create(bytesToNumberLE(rootSecret))
    expect(bytesToHex(ed25519.Point.BASE.multiply(a).toBytes())).toBe(
      '4fe4ab5c0e3791236e0af15836c45b1497f824df76b4b58e61121ad01ed76576',
    )
    const k = edKeys(root, 'hello', 'my-path')
    expect(bytesToHex(k.publicKey)).toBe('14a5f4002b886dffd3962c252a475ff17149ee4aa4f6049406c2817cb9a16aaa')
  })
})

describe('near-mpc.md §3.2 (live testnet contract, captured by chainsig.js)', () => {
  it('derivation-test.testnet / unit-test', () => {
    const root = 'secp256k1:3b3GS4kaAPvzxFUEYKiMvXeuBzttMZosggT3iAAbyZzAfQc1Dn4eLrDshNGGeKZyfSK7xegjPSq553NXHisMLiyA'
    expect(bytesToHex(deriveTweak('derivation-test.testnet', 'unit-test'))).toBe(
      '7a4d7e6dcdef70e890bc9531c1118224d3efcdfe19491d1ac7b2a8ffaccc42c0',
    )
    // §3.2 gives the derived key, not the root, under the testnet root of §1.1
    const k = secpKeys(TESTNET_SECP, 'derivation-test.testnet', 'unit-test')
    expect(k.nearPublicKey).toBe(root)
    expect(bytesToHex(k.uncompressed)).toBe(
      '04816353e4086e2619542c0212e17dc509a0dc9f11e0979371a3413be4e87c962763918b19f371d97de8f7d0cca3da5ff2f49928a914b2aec5c36585cda219c735',
    )
    expect(k.evmAddress).toBe('0x0513cb2E7ED8B3c9A2ac54CDcaCa32520b0B7311')
    expect(k.bitcoinP2wpkh).toEqual({
      mainnet: 'bc1qhv3ve430qaw392kmweqa6j98dqrw0l7erk09nd',
      testnet: 'tb1qhv3ve430qaw392kmweqa6j98dqrw0l7efs5kg7',
    })
    const e = edKeys(TESTNET_ED, 'derivation-test.testnet', 'unit-test')
    expect(e.nearPublicKey).toBe('ed25519:49KFz8zeqrPcaSKqLCXtY79zW98ZW6Nd7W8vSsC7FdKJ')
    expect(bytesToHex(e.publicKey)).toBe('2eb45a1ff4834cedebf7156455e9b5a761e347a83c315d36cd83c6d69b1455a5')
  })
})

describe('near-mpc.md §3.3 (near-ca)', () => {
  const root = 'secp256k1:54hU5wcCmVUPFWLDALXMh1fFToZsVXrx9BbTbHzSfQq1Kd1rJZi52iPa4QQxo6s5TgjWqgpY8HamYuUDzG6fAaUq'
  it('root decodes to its SEC1 form', () => {
    expect(bytesToHex(Uint8Array.of(4, ...parseNearPublicKey(root).bytes))).toBe(
      '04cb41bab8bc97121f4902514ca57a284f167b9239ecb8176831d1ef0fede87c61ca3e59da1c194aa90108098a9e5cdc55d3b3297cdefbc085ffafd0f2c34ae61a',
    )
  })
  it('neareth-dev.testnet / "ethereum,1" (a comma inside the path)', () => {
    const k = secpKeys(root, 'neareth-dev.testnet', 'ethereum,1')
    expect(bytesToHex(k.uncompressed)).toBe(
      '0430dbf32f29a5e9d8df4173d940932be30baf28bae98bf93476eba7d5e2c3d838e807f6b7442e7796e2ea1550a6c1f6de1367a7cdb6f0e68a1e36fafd35eb6ea0',
    )
    expect(k.evmAddress).toBe('0x759E10411Dda5138E331B7Ad5cE1B937550db737')
  })
  it('ethdenver2024.testnet / "" (empty path)', () => {
    const k = secpKeys(root, 'ethdenver2024.testnet', '')
    expect(bytesToHex(k.uncompressed)).toBe(
      '0470649ea5975a2bdb5895c78d8da22e0fb8ddc5099fde4d8c826107bd9a705ad3d61644d844704dfd6467a46e6e2b19e61568c7909c4966f0577286b72447f420',
    )
  })
})

describe('near-mpc.md §3.4 (chainsig.js@1.1.16, testnet roots)', () => {
  const cases = [
    {
      name: 'A',
      predecessor: 'alice.testnet',
      path: 'ethereum-1',
      tweak: '482da62ee42db2d6083294265c1f027684ce13938c2ed712f78d2e4640008fe3',
      uncompressed:
        '0486aeb50e6a31de18d2dcd8e3c6c4d8402e4fcba75003be32f1279665d3263ca432cb8c70b224bd80057855de16b01ec0ea24652f9b960ae9ff436c05c060a2af',
      compressed: '0386aeb50e6a31de18d2dcd8e3c6c4d8402e4fcba75003be32f1279665d3263ca4',
      evm: '0xfe306917CD4Ee89a2AE69514f167222aCe0eAa7D',
      btc: ['bc1qkvssj4hmaqrhcraa358qdxqmmrvgnmycacwrwz', 'tb1qkvssj4hmaqrhcraa358qdxqmmrvgnmych74s43'],
      ed: [
        'ed25519:3s5RQ3duVbgRdq5SDttkLswEWycoevE8Lfb3T8yuaDoS',
        '2a8b69a99b4178955b8a04571755673f1ca946b22c3026c281f52a3422e03c5d',
      ],
    },
    {
      name: 'B',
      predecessor: 'bob.near',
      path: 'bitcoin-1',
      tweak: 'ced3214de15ade9784a5d9b8e9dabe275cfc0c30d7165456c457315b3eb55edf',
      uncompressed:
        '0451eb3f3cd8c097bfcd7643655f6e26953ea6deb995c002bda1d7c005f4e212f9bc8e5462b7dbaf63f98267a9c7e9eff736c5236c7db705ca0b529c79cd5e1d55',
      compressed: '0351eb3f3cd8c097bfcd7643655f6e26953ea6deb995c002bda1d7c005f4e212f9',
      evm: '0xCD1AF6ceEea444E9670680bBDA3803C73f997bf5',
      btc: ['bc1qp85nq5f04x0wtxaexxq7dzc0d4unppajtru5k3', 'tb1qp85nq5f04x0wtxaexxq7dzc0d4unppajp988dz'],
      ed: [
        'ed25519:6xn6qR3esV4qgPyMbjvE6hBwhrpR5R6LRTbDabqWKSh7',
        '58945fe1e493a1a37b0722fa8bdcdc1a0e78ee07e746a1961fb4bb52ecae183a',
      ],
    },
    {
      name: 'C',
      predecessor: 'custos-vault.testnet',
      path: '',
      tweak: '3b3b86df594b160f9d2fb6792681d59e706895078252b98c2f8a12c2331d9162',
      uncompressed:
        '0446bc8dbe44fa9a7e74eebc752a9d9ce0dd1f746e419544d6cc8338d23fc22247cbf5b9c27e024458b2fc5bdda78c38fa79f35bb7900b2c05e76a43d939ea0aa7',
      compressed: '0346bc8dbe44fa9a7e74eebc752a9d9ce0dd1f746e419544d6cc8338d23fc22247',
      evm: '0xA99EB721C125fda722AB5e598CDF0aECeA0C9541',
      btc: ['bc1qptfns2dqu54h5slt3946wx5gfzxrk2rr8tnzwh', 'tb1qptfns2dqu54h5slt3946wx5gfzxrk2rrddg34y'],
      ed: [
        'ed25519:9PT8kcxaRogRhER9XdFmB4n2D37W7woiobZzTD3VSE91',
        '7c9dd297dfbb299397e0ab7aa9e0fe64d472daaba23de5fb0380c935b4cb708c',
      ],
    },
  ]
  it.each(cases)('vector $name: $predecessor / "$path"', (c) => {
    const k = secpKeys(TESTNET_SECP, c.predecessor, c.path)
    expect(bytesToHex(k.tweak)).toBe(c.tweak)
    expect(bytesToHex(k.uncompressed)).toBe(c.uncompressed)
    expect(bytesToHex(k.compressed)).toBe(c.compressed)
    expect(k.evmAddress).toBe(c.evm)
    expect([k.bitcoinP2wpkh.mainnet, k.bitcoinP2wpkh.testnet]).toEqual(c.btc)
    const e = edKeys(TESTNET_ED, c.predecessor, c.path)
    expect([e.nearPublicKey, bytesToHex(e.publicKey)]).toEqual(c.ed)
    expect(e.solanaAddress).toBe(c.ed[0]?.slice('ed25519:'.length))
  })
})

describe('derivation rules', () => {
  it('refuses a secp256k1 tweak ≥ n (near-mpc.md §2.7.1) and reduces the Ed25519 one', () => {
    const n = secp256k1.Point.Fn.ORDER
    const big = hexToBytes(n.toString(16))
    expect(() => tweakScalar('Secp256k1Frost', big)).toThrow(
      expect.objectContaining({ code: 'MPC_TWEAK_OUT_OF_RANGE' }),
    )
    expect(() => tweakScalar('Bip340', big)).toThrow(MpcError)
    const ff = new Uint8Array(32).fill(0xff)
    expect(tweakScalar('Ed25519', ff)).toBe(bytesToNumberLE(ff) % ed25519.Point.Fn.ORDER)
  })

  it('Bip340 derives from the even-Y root: an odd-Y root and its x-only form give the same key', () => {
    // find a root with odd Y
    let sk = 7n
    let P = secp256k1.Point.BASE.multiply(sk)
    while ((P.y & 1n) === 0n) P = secp256k1.Point.BASE.multiply(++sk)
    const tweak = deriveTweak('alice.near', 'btc-taproot')
    const fromFull = derivePublicKey('Bip340', P.toBytes(true), tweak)
    const fromXOnly = derivePublicKey('Bip340', P.toBytes(true).subarray(1), tweak)
    expect(fromFull).toEqual(fromXOnly)
    const t = tweakScalar('Bip340', tweak)
    const expected = secp256k1.Point.BASE.multiply(secp256k1.Point.Fn.add(secp256k1.Point.Fn.neg(sk), t))
    expect(bytesToHex(fromFull)).toBe(bytesToHex(expected.toBytes(true).subarray(1)))
    // Secp256k1Frost uses the point as it is
    const plain = secp256k1.Point.BASE.multiply(secp256k1.Point.Fn.add(sk, t)).toBytes(true)
    expect(derivePublicKey('Secp256k1Frost', P.toBytes(true), tweak)).toEqual(plain)
  })

  it('parses roots in every accepted form and refuses mismatches', () => {
    const ed = parseRootKey(TESTNET_ED)
    expect(ed.scheme).toBe('Ed25519')
    expect(parseRootKey(bytesToHex(ed.publicKey))).toEqual(ed)
    const k1 = parseRootKey(TESTNET_SECP)
    expect(k1).toMatchObject({ scheme: 'Secp256k1Frost' })
    const full = Uint8Array.of(4, ...parseNearPublicKey(TESTNET_SECP).bytes)
    for (const form of [bytesToHex(full), `0x${bytesToHex(full.subarray(1))}`, bytesToHex(k1.publicKey)])
      expect(parseRootKey(form)).toEqual(k1)
    expect(parseRootKey(TESTNET_SECP, 'Bip340').scheme).toBe('Bip340')
    expect(parseRootKey(bytesToHex(k1.publicKey.subarray(1)), 'Bip340').publicKey[0]).toBe(2)
    for (const [text, scheme] of [
      [TESTNET_ED, 'Secp256k1Frost'],
      [TESTNET_SECP, 'Ed25519'],
      ['ed25519:0OIl', undefined],
      ['secp256k1:3tFRbMqmoa6AAALMrEFAYC', undefined],
      ['zz', undefined],
      [`02${'ff'.repeat(32)}`, undefined],
    ] as const)
      expect(() => parseRootKey(text, scheme), text).toThrow(MpcError)
    expect(() => parseRootKey(TESTNET_ED, 'Nope' as never)).toThrow(
      expect.objectContaining({ code: 'MPC_UNKNOWN_SCHEME' }),
    )
  })

  it('refuses an Ed25519 root of small order', () => {
    const smallOrder = hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
    expect(() => parseRootKey(bytesToHex(smallOrder))).toThrow(expect.objectContaining({ code: 'MPC_BAD_PUBLIC_KEY' }))
  })
})
