import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { blsBackendStatus, getBls } from './blsBackend.js'
import { nobleBackend } from './blsNoble.js'
import { deriveMasterSK } from './eip2333.js'

describe('noble BLS fallback', () => {
  const blst = getBls()
  const noble = nobleBackend()

  it('blst is the backend on this machine', () => {
    expect(blsBackendStatus().backend).toBe('blst')
    expect(blst.name).toBe('blst')
  })

  it('produces the same public keys and signatures as blst, and each verifies the other', () => {
    for (let i = 0; i < 3; i++) {
      const sk = deriveMasterSK(new Uint8Array(randomBytes(32))).expose()
      const msg = new Uint8Array(randomBytes(32))
      expect(noble.publicKey(sk)).toEqual(blst.publicKey(sk))
      const sig = noble.sign(sk, msg)
      expect(sig).toEqual(blst.sign(sk, msg))
      expect(blst.verify(blst.publicKey(sk), msg, sig)).toBe(true)
      expect(noble.verify(noble.publicKey(sk), msg, blst.sign(sk, msg))).toBe(true)
      const other = msg.slice()
      other[0] = (other[0] as number) ^ 1
      expect(noble.verify(noble.publicKey(sk), other, sig)).toBe(false)
    }
  })

  it('rejects malformed keys and signatures without throwing', () => {
    expect(noble.isValidPublicKey(new Uint8Array(48))).toBe(false)
    expect(noble.isValidPublicKey(new Uint8Array(47))).toBe(false)
    expect(noble.verify(new Uint8Array(48), new Uint8Array(32), new Uint8Array(96))).toBe(false)
  })
})
