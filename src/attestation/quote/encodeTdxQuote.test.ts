import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeSgxReportBody, encodeTdxQuote, encodeTdxQuoteSignedRegion } from './encodeTdxQuote.js'
import { parseQuote } from './parseQuote.js'

const fill = (n: number, v: number) => new Uint8Array(n).fill(v)

describe('encodeTdxQuote', () => {
  it('round-trips every field through parseQuote', () => {
    const chain = new TextEncoder().encode(
      '-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBAUG\n-----END CERTIFICATE-----\n\0',
    )
    const signedRegion = encodeTdxQuoteSignedRegion(
      { qeSvn: 7, pceSvn: 13, qeVendorId: fill(16, 0xaa), userData: fill(20, 0xbb) },
      {
        teeTcbSvn: fill(16, 1),
        mrSeam: fill(48, 2),
        mrSignerSeam: fill(48, 3),
        seamAttributes: fill(8, 4),
        tdAttributes: fill(8, 5),
        xfam: fill(8, 6),
        mrTd: fill(48, 7),
        mrConfigId: fill(48, 8),
        mrOwner: fill(48, 9),
        mrOwnerConfig: fill(48, 10),
        rtmr: [fill(48, 11), fill(48, 12), fill(48, 13), fill(48, 14)],
        reportData: fill(64, 15),
      },
    )
    expect(signedRegion).toHaveLength(632)
    const qeReport = encodeSgxReportBody({
      mrEnclave: fill(32, 0x21),
      isvProdId: 2,
      isvSvn: 9,
      reportData: fill(64, 0x22),
    })
    const quote = encodeTdxQuote({
      signedRegion,
      quoteSignature: fill(64, 0x31),
      attestationPublicKey: fill(64, 0x32),
      qeReport,
      qeReportSignature: fill(64, 0x33),
      qeAuthData: fill(32, 0x34),
      certificationData: { data: chain },
    })
    const q = parseQuote(quote)
    expect(q.header).toMatchObject({ version: 4, attKeyType: 2, teeType: 0x81, qeSvn: 7, pceSvn: 13 })
    expect(q.header.qeVendorId).toEqual(fill(16, 0xaa))
    expect(q.header.userData).toEqual(fill(20, 0xbb))
    if (q.body.type !== 'td10') throw new Error('expected td10')
    expect(q.body.teeTcbSvn).toEqual(fill(16, 1))
    expect(q.body.mrSeam).toEqual(fill(48, 2))
    expect(q.body.mrSignerSeam).toEqual(fill(48, 3))
    expect(q.body.seamAttributes).toEqual(fill(8, 4))
    expect(q.body.tdAttributes).toEqual(fill(8, 5))
    expect(q.body.xfam).toEqual(fill(8, 6))
    expect(q.body.mrTd).toEqual(fill(48, 7))
    expect(q.body.mrConfigId).toEqual(fill(48, 8))
    expect(q.body.mrOwner).toEqual(fill(48, 9))
    expect(q.body.mrOwnerConfig).toEqual(fill(48, 10))
    expect(q.body.rtmr).toEqual([fill(48, 11), fill(48, 12), fill(48, 13), fill(48, 14)])
    expect(q.body.reportData).toEqual(fill(64, 15))
    expect(q.signedRegion).toEqual(signedRegion)
    expect(q.signature.quoteSignature).toEqual(fill(64, 0x31))
    expect(q.signature.attestationPublicKey).toEqual(fill(64, 0x32))
    expect(q.signature.qeReportRaw).toEqual(qeReport)
    expect(q.signature.qeReport).toMatchObject({ isvProdId: 2, isvSvn: 9 })
    expect(q.signature.qeReport.mrEnclave).toEqual(fill(32, 0x21))
    expect(q.signature.qeReport.reportData).toEqual(fill(64, 0x22))
    expect(q.signature.qeReportSignature).toEqual(fill(64, 0x33))
    expect(q.signature.qeAuthData).toEqual(fill(32, 0x34))
    expect(q.signature.outerCertificationData?.type).toBe(6)
    expect(q.signature.certificationData.type).toBe(5)
    expect(q.signature.certificationData.data).toEqual(chain)
    expect(q.pckChainDer).toEqual([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)])
    expect(q.trailing).toHaveLength(0)
    expect(q.raw).toEqual(quote)
  })

  it('re-encodes the real TDX v4 quote byte for byte', () => {
    const real = new Uint8Array(readFileSync(resolve(import.meta.dirname, '../../../../shared/vectors/dcap/tdx_quote')))
    const q = parseQuote(real)
    const again = encodeTdxQuote({
      signedRegion: q.signedRegion,
      quoteSignature: q.signature.quoteSignature,
      attestationPublicKey: q.signature.attestationPublicKey,
      qeReport: q.signature.qeReportRaw,
      qeReportSignature: q.signature.qeReportSignature,
      qeAuthData: q.signature.qeAuthData,
      certificationData: { type: q.signature.certificationData.type, data: q.signature.certificationData.data },
    })
    expect(again).toEqual(q.raw)
  })

  it('refuses wrong-size fields', () => {
    expect(() => encodeTdxQuoteSignedRegion({ qeVendorId: fill(15, 0) }, {})).toThrow(RangeError)
    expect(() => encodeTdxQuoteSignedRegion({ qeVendorId: fill(16, 0) }, { mrTd: fill(32, 0) })).toThrow(RangeError)
  })
})
