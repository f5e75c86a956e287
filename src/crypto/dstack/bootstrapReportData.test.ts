import { generateKeyPairSync } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { toHex } from '../hex.js'
import { bootstrapReportData } from './bootstrapReportData.js'

describe('bootstrapReportData', () => {
  it('is pad64(keccak256("dstack-kms-genereted-keys-v1:" hex(ca) ";" hex(k256) ";")), typo included', () => {
    const ca = new Uint8Array(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
    )
    const k256 = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)
    const rd = bootstrapReportData(ca, k256)
    const text = `dstack-kms-genereted-keys-v1:${Buffer.from(ca).toString('hex')};${Buffer.from(k256).toString('hex')};`
    expect(rd.length).toBe(64)
    expect(toHex(rd.subarray(0, 32))).toBe(toHex(keccak_256(new TextEncoder().encode(text))))
    expect(rd.subarray(32).every((b) => b === 0)).toBe(true)
    const fixedTypo = text.replace('genereted', 'generated')
    expect(toHex(rd.subarray(0, 32))).not.toBe(toHex(keccak_256(new TextEncoder().encode(fixedTypo))))
  })
})
