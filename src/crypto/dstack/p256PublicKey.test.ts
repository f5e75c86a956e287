import { randomBytes } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { p256PublicKey } from './p256Keys.js'

describe('p256PublicKey (OpenSSL) agrees with noble', () => {
  it('for random scalars, compressed and uncompressed', () => {
    for (let i = 0; i < 64; i++) {
      const d = p256.utils.randomSecretKey()
      expect(p256PublicKey(d)).toEqual(p256.getPublicKey(d, false))
      expect(p256PublicKey(d, true)).toEqual(p256.getPublicKey(d, true))
    }
  })
  it('for edge scalars 1 and n-1', () => {
    const one = new Uint8Array(32)
    one[31] = 1
    const nMinus1 = p256.Point.Fn.toBytes(p256.Point.Fn.ORDER - 1n)
    for (const d of [one, nMinus1]) expect(p256PublicKey(d)).toEqual(p256.getPublicKey(d, false))
  })
  it('rejects 0 and n', () => {
    expect(codeOf(() => p256PublicKey(new Uint8Array(32)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => p256PublicKey(p256.Point.Fn.toBytes(p256.Point.Fn.ORDER)))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => p256PublicKey(new Uint8Array(randomBytes(31))))).toBe('KMS_CRYPTO_INVALID_SCALAR')
  })
})
