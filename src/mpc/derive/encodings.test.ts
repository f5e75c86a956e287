import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { p2trAddress, p2wpkhAddress } from './addresses.js'
import { base58Decode, base58Encode } from './base58.js'
import { bech32Decode, decodeSegwitAddress, encodeSegwitAddress } from './bech32.js'

describe('base58 (Bitcoin Core base58_encode_decode.json)', () => {
  it.each([
    ['', ''],
    ['61', '2g'],
    ['626262', 'a3gV'],
    ['636363', 'aPEr'],
    ['73696d706c792061206c6f6e6720737472696e67', '2cFupjhnEsSn59qHXstmK2ffpLv2'],
    ['00eb15231dfceb60925886b67d065299925915aeb172c06647', '1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L'],
    ['516b6fcd0f', 'ABnLTmg'],
    ['bf4f89001e670274dd', '3SEo3LWLoPntC'],
    ['572e4794', '3EFU7m'],
    ['ecac89cad93923c02321', 'EJDM8drfXA6uyA'],
    ['10c8511e', 'Rt5zm'],
    ['00000000000000000000', '1111111111'],
  ])('%s ↔ %s', (hex, b58) => {
    expect(base58Encode(hexToBytes(hex))).toBe(b58)
    expect(bytesToHex(base58Decode(b58))).toBe(hex)
  })
  it('refuses characters outside the alphabet', () => {
    for (const bad of ['0', 'O', 'I', 'l', '+']) expect(() => base58Decode(`2g${bad}`)).toThrow(TypeError)
  })
})

describe('bech32 / bech32m (BIP-173, BIP-350)', () => {
  it.each([
    'A12UEL5L',
    'a12uel5l',
    'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs',
    'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
    '11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j',
    'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w',
  ])('BIP-173 valid checksum %s', (s) => {
    expect(bech32Decode(s)?.variant).toBe('bech32')
  })
  it.each([
    'an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx', // too long
    'pzry9x0s0muk', // no separator
    '1pzry9x0s0muk', // empty hrp
    'x1b4n0q5v', // invalid data character
    'li1dgmt3', // checksum too short
    'A1G7SGD8', // checksum over the uppercase hrp
    '10a06t8', // empty hrp
    '1qzzfhee', // empty hrp
    'a12UEL5L', // mixed case
  ])('BIP-173 invalid %s', (s) => {
    expect(bech32Decode(s)).toBeNull()
  })
  it.each([
    ['bc', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
    [
      'tb',
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262',
    ],
    [
      'tb',
      'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy',
      '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      'tb',
      'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c',
      '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      'bc',
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    ],
  ])('segwit address %s %s', (hrp, addr, script) => {
    const d = decodeSegwitAddress(hrp, addr)!
    expect(bytesToHex(Uint8Array.of(d.version ? 0x50 + d.version : 0, d.program.length, ...d.program))).toBe(script)
    expect(encodeSegwitAddress(hrp, d.version, d.program)).toBe(addr.toLowerCase())
  })
  it('a v1 program in bech32 (not bech32m) and a v0 one in bech32m are refused (BIP-350)', () => {
    const prog = hexToBytes('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')
    const v0m = encodeSegwitAddress('bc', 1, prog).replace(/^bc1p/, 'bc1q')
    expect(decodeSegwitAddress('bc', v0m)).toBeNull()
    expect(decodeSegwitAddress('tb', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0')).toBeNull()
  })
  it('BIP-173 example: P2WPKH of the generator public key; BIP-350 example: P2TR of its x', () => {
    const g = secp256k1.Point.BASE.toBytes(true)
    expect(bytesToHex(g)).toBe('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')
    expect(p2wpkhAddress(g, 'mainnet')).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')
    expect(p2wpkhAddress(g, 'testnet')).toBe('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')
    expect(p2trAddress(g.subarray(1), 'mainnet')).toBe('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0')
  })
})
