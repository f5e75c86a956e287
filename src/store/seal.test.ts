import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../test/support/errors.js'
import { SecretBytes } from '../crypto/index.js'
import { SEAL_VERSION, seal, secretAad, unseal } from './seal.js'

const key = () => new SecretBytes(new Uint8Array(randomBytes(32)))
describe('seal / unseal (AES-256-GCM)', () => {
  const k = key()
  const aad = secretAad('kms/root-ca-key')
  const pt = new Uint8Array(randomBytes(32))

  it('round-trips and has the documented layout', () => {
    const blob = seal(k, aad, pt)
    expect(blob.length).toBe(1 + 12 + pt.length + 16)
    expect(blob[0]).toBe(SEAL_VERSION)
    expect(unseal(k, aad, blob).expose()).toEqual(pt)
  })

  it('uses a fresh nonce each time', () => {
    const a = seal(k, aad, pt)
    const b = seal(k, aad, pt)
    expect(a.subarray(1, 13)).not.toEqual(b.subarray(1, 13))
    expect(a).not.toEqual(b)
  })

  it('round-trips empty and large plaintexts', () => {
    expect(unseal(k, aad, seal(k, aad, new Uint8Array(0))).length).toBe(0)
    const big = new Uint8Array(randomBytes(100_000))
    expect(Buffer.from(unseal(k, aad, seal(k, aad, big)).expose()).equals(big)).toBe(true)
  })

  it('matches WebCrypto AES-GCM over (version ‖ aad) with the embedded nonce', async () => {
    const raw = new Uint8Array(32).fill(7)
    const nonce = new Uint8Array(12).map((_, i) => i)
    const label = secretAad('a/b')
    const blob = seal(new SecretBytes(raw), label, pt, () => nonce)
    const wk = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt'])
    const expected = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: new Uint8Array([SEAL_VERSION, ...label]), tagLength: 128 },
        wk,
        pt,
      ),
    )
    expect(blob).toEqual(new Uint8Array([SEAL_VERSION, ...nonce, ...expected]))
  })

  it('fails on every single flipped byte', () => {
    const blob = seal(k, aad, pt)
    for (let i = 0; i < blob.length; i++) {
      const bad = blob.slice()
      bad[i]! ^= 0x01
      expect(codeOf(() => unseal(k, aad, bad))).toBe('STORE_UNSEAL_FAILED')
    }
  })

  it('fails on truncation and extension', () => {
    const blob = seal(k, aad, pt)
    expect(codeOf(() => unseal(k, aad, blob.subarray(0, blob.length - 1)))).toBe('STORE_UNSEAL_FAILED')
    expect(codeOf(() => unseal(k, aad, new Uint8Array([...blob, 0])))).toBe('STORE_UNSEAL_FAILED')
    expect(codeOf(() => unseal(k, aad, new Uint8Array(5)))).toBe('STORE_UNSEAL_FAILED')
  })

  it('fails under another AAD (blob moved to another record)', () => {
    const blob = seal(k, aad, pt)
    expect(codeOf(() => unseal(k, secretAad('kms/root-k256-key'), blob))).toBe('STORE_UNSEAL_FAILED')
  })

  it('fails under another key, and the error carries no bytes', () => {
    const blob = seal(k, aad, pt)
    let err: Error | undefined
    try {
      unseal(key(), aad, blob)
    } catch (e) {
      err = e as Error
    }
    expect((err as { code?: string }).code).toBe('STORE_UNSEAL_FAILED')
    const text = `${err?.message} ${JSON.stringify(err)}`
    expect(text).not.toContain(Buffer.from(pt).toString('hex'))
    expect(text).not.toContain(Buffer.from(blob).toString('hex').slice(2, 40))
  })

  it('refuses keys that are not 32 bytes', () => {
    expect(codeOf(() => seal(new SecretBytes(new Uint8Array(16)), aad, pt))).toBe('STORE_BAD_KEY')
    expect(codeOf(() => unseal(new SecretBytes(new Uint8Array(31)), aad, seal(k, aad, pt)))).toBe('STORE_BAD_KEY')
  })
})
