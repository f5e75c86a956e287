import { X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readNitroVector } from '../../../test/support/nitro.js'
import { isSignedByKey, parseNitroCert } from './certificate.js'
import { NitroError } from './errors.js'
import { verifyNitroDocument } from './verifyNitroDocument.js'

const doc = verifyNitroDocument(readNitroVector('dstack_nitro_attestation.bin')).document
const ders = [...doc.cabundle, doc.certificate]
const certs = ders.map((d, i) => parseNitroCert(d, `c${i}`))

describe('parseNitroCert on the real AWS chain', () => {
  it('reads validity like node:crypto does', () => {
    ders.forEach((der, i) => {
      const n = new X509Certificate(der)
      expect(certs[i]?.notBefore).toBe(Date.parse(n.validFrom))
      expect(certs[i]?.notAfter).toBe(Date.parse(n.validTo))
      expect(certs[i]?.isCa).toBe(n.ca)
      expect(Buffer.from(certs[i]?.subject as Uint8Array).length).toBeGreaterThan(0)
    })
  })

  it('reads basic constraints and key usage (root, regional 2, zonal 1, instance 0, leaf)', () => {
    expect(certs.map((c) => c.pathLen)).toEqual([undefined, 2, 1, 0, undefined])
    expect(certs.map((c) => c.isCa)).toEqual([true, true, true, true, false])
    expect(certs.map((c) => c.keyUsage?.keyCertSign)).toEqual([true, true, true, true, false])
    expect(certs[4]?.keyUsage?.digitalSignature).toBe(true)
    expect(certs[3]?.keyUsage?.digitalSignature).toBe(false)
    expect(new Date(certs[0]?.notAfter as number).toISOString()).toBe('2049-10-28T14:28:05.000Z')
  })

  it('verifies each link and rejects a wrong issuer', () => {
    for (let i = 1; i < certs.length; i++) expect(isSignedByKey(certs[i]!, certs[i - 1]!)).toBe(true)
    expect(isSignedByKey(certs[4]!, certs[0]!)).toBe(false)
    expect(isSignedByKey(certs[0]!, certs[0]!)).toBe(true) // the root is self-signed
  })

  it('refuses non-certificates and trailing bytes with NITRO_CHAIN_INVALID naming the certificate', () => {
    for (const bad of [new Uint8Array(0), Uint8Array.of(0x30, 0x00), Buffer.concat([ders[0]!, Buffer.of(0)])]) {
      try {
        parseNitroCert(bad, 'cabundle[1]')
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(NitroError)
        expect((e as NitroError).code).toBe('NITRO_CHAIN_INVALID')
        expect((e as NitroError).meta['what']).toBe('cabundle[1]')
      }
    }
  })
})
