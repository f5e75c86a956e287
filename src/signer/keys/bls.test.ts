import { describe, expect, it } from 'vitest'
import { fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import { blsBackendStatus, getBls } from './blsBackend.js'
import { blsKeyReportData } from './blsKeyReportData.js'
import { deriveKeyFromPath } from './eip2334.js'
import { generateBlsKey } from './generateBlsKey.js'
import { signRoot, verifyRoot } from './signRoot.js'

const SECRET = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'
const PUBKEY = '9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07'

describe('BLS backend', () => {
  it('loads native blst on this machine', () => {
    expect(blsBackendStatus()).toEqual({ backend: 'blst' })
    expect(getBls().name).toBe('blst')
  })

  it('derives the EIP-2335 vector public key and signs/verifies', () => {
    const sk = new SecretBytes(fromHex(SECRET))
    const pk = getBls().publicKey(sk.expose())
    expect(toHex(pk)).toBe(PUBKEY)
    const root = new Uint8Array(32).fill(7)
    const sig = signRoot(sk, root)
    expect(sig.length).toBe(96)
    expect(verifyRoot(pk, root, sig)).toBe(true)
    expect(verifyRoot(pk, new Uint8Array(32), sig)).toBe(false)
    expect(verifyRoot(pk.slice(1), root, sig)).toBe(false)
    expect(verifyRoot(pk, root, new Uint8Array(96))).toBe(false)
    expect(getBls().isValidPublicKey(pk)).toBe(true)
    expect(getBls().isValidPublicKey(new Uint8Array(48))).toBe(false)
  })
})

describe('generateBlsKey', () => {
  it('derives the EIP-2334 signing key from the rng seed and wipes the seed', () => {
    const seed = new Uint8Array(32).fill(9)
    const key = generateBlsKey(() => seed, 3)
    expect(key.path).toBe('m/12381/3600/3/0/0')
    expect(seed.every((b) => b === 0)).toBe(true)
    const again = deriveKeyFromPath(new Uint8Array(32).fill(9), 'm/12381/3600/3/0/0')
    expect(toHex(key.secretKey.expose())).toBe(toHex(again.expose()))
    expect(toHex(key.publicKey)).toBe(toHex(getBls().publicKey(again.expose())))
    expect(JSON.stringify(key)).not.toContain(toHex(again.expose()))
  })

  it('refuses an rng that returns the wrong length', () => {
    expect(() => generateBlsKey(() => new Uint8Array(16))).toThrow(RangeError)
  })
})

describe('blsKeyReportData', () => {
  it('is 64 bytes, depends on the key, and rejects wrong lengths', () => {
    const a = blsKeyReportData(fromHex(PUBKEY))
    expect(a.length).toBe(64)
    expect(toHex(a)).not.toBe(toHex(blsKeyReportData(new Uint8Array(48))))
    expect(() => blsKeyReportData(new Uint8Array(32))).toThrow(RangeError)
  })
})
