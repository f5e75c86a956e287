import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { exportSpkiDer, generateP256KeyPair, toHex } from '../crypto/index.js'
import { decodeRaTlsExtensionValue, encodeRaTlsExtensionValue } from './raTlsExtension.js'
import { RATLS_OID } from './raTlsOids.js'
import { raTlsReportData } from './raTlsReportData.js'

describe('RA-TLS extension value (DER OCTET STRING)', () => {
  it('encodes short and long lengths minimally', () => {
    expect(toHex(encodeRaTlsExtensionValue(new TextEncoder().encode('kms:rpc')))).toBe('04076b6d733a727063')
    expect(toHex(encodeRaTlsExtensionValue(new Uint8Array(0)))).toBe('0400')
    expect(toHex(encodeRaTlsExtensionValue(new Uint8Array(127)).subarray(0, 2))).toBe('047f')
    expect(toHex(encodeRaTlsExtensionValue(new Uint8Array(128)).subarray(0, 3))).toBe('048180')
    expect(toHex(encodeRaTlsExtensionValue(new Uint8Array(256)).subarray(0, 4))).toBe('04820100')
    expect(toHex(encodeRaTlsExtensionValue(new Uint8Array(70000)).subarray(0, 5))).toBe('0483011170')
  })

  it('round-trips and refuses non-DER input', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 200000]) {
      const content = new Uint8Array(n).map((_, i) => i & 0xff)
      const back = decodeRaTlsExtensionValue(encodeRaTlsExtensionValue(content))
      expect(back && Buffer.compare(back, content)).toBe(0)
    }
    expect(decodeRaTlsExtensionValue(new Uint8Array([0x0c, 0x01, 0x41]))).toBeUndefined() // UTF8String
    expect(decodeRaTlsExtensionValue(new Uint8Array([0x04, 0x02, 0x41]))).toBeUndefined() // short
    expect(decodeRaTlsExtensionValue(new Uint8Array([0x04, 0x01, 0x41, 0x42]))).toBeUndefined() // trailing
    expect(decodeRaTlsExtensionValue(new Uint8Array([0x04, 0x81, 0x01, 0x41]))).toBeUndefined() // not minimal
    expect(decodeRaTlsExtensionValue(new Uint8Array([0x04, 0x80]))).toBeUndefined() // indefinite
  })

  it('OIDs are the dstack ones (PEN 62397)', () => {
    expect(RATLS_OID).toEqual({
      tdxQuote: '1.3.6.1.4.1.62397.1.1',
      eventLog: '1.3.6.1.4.1.62397.1.2',
      appId: '1.3.6.1.4.1.62397.1.3',
      certUsage: '1.3.6.1.4.1.62397.1.4',
      attestation: '1.3.6.1.4.1.62397.1.8',
      appInfo: '1.3.6.1.4.1.62397.1.9',
    })
  })
})

describe('raTlsReportData', () => {
  it('is sha512("ratls-cert:" || SPKI DER), 64 bytes', async () => {
    const spki = await exportSpkiDer((await generateP256KeyPair()).publicKey)
    const expected = createHash('sha512').update('ratls-cert:').update(spki).digest()
    const rd = raTlsReportData(spki)
    expect(rd.length).toBe(64)
    expect(toHex(rd)).toBe(expected.toString('hex'))
  })

  it('known answer for a fixed input', () => {
    // sha512("ratls-cert:" || 01 02 03)
    const expected = createHash('sha512').update(Buffer.from('ratls-cert:\x01\x02\x03', 'latin1')).digest('hex')
    expect(toHex(raTlsReportData(new Uint8Array([1, 2, 3])))).toBe(expected)
  })
})
