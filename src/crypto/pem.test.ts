import { X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { derToPem, PemError, pemBlocks, pemBlocksToDer, pemToDer } from './pem.js'
import { createSelfSignedCa } from './x509Certs.js'
import { generateP256KeyPair } from './x509Keys.js'

describe('PEM', () => {
  it('64-column armour, label filter, chains', () => {
    const a = new Uint8Array(100).fill(7)
    const b = new Uint8Array(3).fill(9)
    const pem = derToPem(a, 'CERTIFICATE') + derToPem(b, 'PRIVATE KEY') + derToPem(b, 'CERTIFICATE')
    expect(pem.split('\n')[1]).toHaveLength(64)
    expect(pemToDer(pem, 'PRIVATE KEY')).toEqual(b)
    expect(pemToDer(pem)).toEqual(a)
    expect(pemBlocksToDer(pem, 'CERTIFICATE')).toEqual([a, b])
    expect(() => pemToDer(pem, 'PUBLIC KEY')).toThrow(TypeError)
  })

  it('writes what OpenSSL writes and reads what OpenSSL writes', async () => {
    const { der, pem } = await createSelfSignedCa({
      subject: { commonName: 'pem test' },
      keys: await generateP256KeyPair(),
      pathLen: 0,
      now: 1_700_000_000,
    })
    const openssl = new X509Certificate(pem).toString()
    expect(derToPem(der, 'CERTIFICATE')).toBe(openssl)
    expect(pemToDer(openssl, 'CERTIFICATE')).toEqual(der)
  })

  it('keeps each block text, label and offset; tolerates bytes between and after blocks (a quote chain ends in NUL)', () => {
    const x = derToPem(Uint8Array.of(1, 2, 3), 'X509 CRL')
    const y = derToPem(Uint8Array.of(4), 'CERTIFICATE')
    const text = `junk\n${x}between\n${y}\u0000`
    const blocks = pemBlocks(text)
    expect(blocks.map((b) => [b.label, b.index, b.text])).toEqual([
      ['X509 CRL', 5, x.trimEnd()],
      ['CERTIFICATE', 5 + x.length + 8, y.trimEnd()],
    ])
    expect(pemBlocks(text, 'CERTIFICATE').map((b) => b.der)).toEqual([Uint8Array.of(4)])
  })

  it('refuses a body that is not canonical base64, naming where the block starts', () => {
    const bad = (body: string) => `xx-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`
    for (const body of ['', 'AQID!', 'AQI', 'AQJ=', 'AQ==AQ==', '....']) {
      let err: unknown
      try {
        pemBlocks(bad(body))
      } catch (e) {
        err = e
      }
      expect(err, JSON.stringify(body)).toBeInstanceOf(PemError)
      expect((err as PemError).index).toBe(2)
      expect(err).toBeInstanceOf(TypeError)
    }
    // white space inside the body is fine
    expect(pemToDer(bad('AQ\n ID'))).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('a block needs the same label at BEGIN and END; no block is a PemError', () => {
    expect(pemBlocks('-----BEGIN A-----\nAQ==\n-----END B-----\n')).toEqual([])
    expect(() => pemToDer('no pem here')).toThrow(PemError)
  })
})
