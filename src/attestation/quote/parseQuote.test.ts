import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { X509Certificate } from '@peculiar/x509'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'
import { INTEL_QE_VENDOR_ID, parseQuote } from './parseQuote.js'

const VECTORS = resolve(import.meta.dirname, '../../../../shared/vectors/dcap')
const vec = (name: string) => new Uint8Array(readFileSync(resolve(VECTORS, name)))
const cn = (der: Uint8Array) => new X509Certificate(der).subject

function expectMalformed(fn: () => unknown, offset?: number): AttestationError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(AttestationError)
    const err = e as AttestationError
    expect(err.code).toBe('ATTESTATION_MALFORMED')
    if (offset !== undefined) expect(err.meta.offset).toBe(offset)
    return err
  }
  throw new Error('expected a throw')
}

describe('parseQuote on real Intel-signed quotes', () => {
  it('SGX quote v3', () => {
    const q = parseQuote(vec('sgx_quote'))
    expect(q.header.version).toBe(3)
    expect(q.header.teeType).toBe(0)
    expect(q.header.attKeyType).toBe(2)
    expect(toHex(q.header.qeVendorId).toUpperCase()).toBe('939A7233F79C4CA9940A0DB3957F0607')
    expect(q.header.qeVendorId).toEqual(INTEL_QE_VENDOR_ID)
    expect(q.header.qeSvn).toBe(10)
    expect(q.header.pceSvn).toBe(15)
    expect(q.body.type).toBe('sgx')
    if (q.body.type !== 'sgx') throw new Error('unreachable')
    expect(q.body.reportData).toHaveLength(64)
    expect(new TextDecoder().decode(q.body.reportData.subarray(0, 13))).toBe('Hello, world!')
    expect(toHex(q.body.mrEnclave)).toBe('33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb')
    expect(q.signedLength).toBe(432)
    expect(q.signedRegion).toHaveLength(432)
    expect(q.signatureDataLength).toBe(4164)
    expect(q.signature.outerCertificationData).toBeUndefined()
    expect(q.signature.certificationData.type).toBe(5)
    expect(q.signature.qeReportRaw).toHaveLength(384)
    expect(q.signature.qeReport.isvProdId).toBe(1)
    expect(q.signature.qeAuthData).toHaveLength(32)
    expect(q.trailing).toHaveLength(0)
    expect(q.pckChainPem).toHaveLength(3)
    expect(cn(q.pckChainDer[0]!)).toContain('Intel SGX PCK Certificate')
    expect(cn(q.pckChainDer[2]!)).toContain('Intel SGX Root CA')
    expect(q.pckChainDer[2]).toEqual(vec('intel_sgx_root_ca.der'))
  })

  it('TDX quote v4 (TD 1.0) with 70 trailing zero bytes', () => {
    const bytes = vec('tdx_quote')
    const q = parseQuote(bytes)
    expect(q.header.version).toBe(4)
    expect(q.header.teeType).toBe(0x81)
    expect(q.header.qeVendorId).toEqual(INTEL_QE_VENDOR_ID)
    expect(q.body.type).toBe('td10')
    if (q.body.type === 'sgx') throw new Error('unreachable')
    expect(q.body.mrTd).toHaveLength(48)
    expect(toHex(q.body.mrTd)).toBe(
      '91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7',
    )
    // dstack's fixed range 568..632 for report_data in v4 quotes
    expect(q.body.reportData).toEqual(bytes.subarray(568, 632))
    expect(q.body.rtmr.map((r) => r.length)).toEqual([48, 48, 48, 48])
    expect(q.body.rtmr[0]).toEqual(bytes.subarray(376, 424))
    expect(q.body.tdAttributes).toEqual(Uint8Array.from([0, 0, 0, 0x10, 0, 0, 0, 0]))
    expect(q.body.teeTcbSvn2).toBeUndefined()
    expect(q.signedLength).toBe(632)
    expect(q.signature.outerCertificationData?.type).toBe(6)
    expect(q.signature.outerCertificationData?.data).toHaveLength(4166)
    expect(q.signature.certificationData.type).toBe(5)
    expect(q.signature.certificationData.data).toHaveLength(3678)
    expect(q.signature.qeReport.isvProdId).toBe(2)
    expect(q.trailing).toHaveLength(70)
    expect(q.trailing.every((b) => b === 0)).toBe(true)
    expect(q.raw.length + 70).toBe(bytes.length)
    expect(q.pckChainPem).toHaveLength(3)
    expect(cn(q.pckChainDer[0]!)).toContain('Intel SGX PCK Certificate')
    expect(cn(q.pckChainDer[1]!)).toContain('Intel SGX PCK Platform CA')
    expect(q.pckChainDer[2]).toEqual(vec('intel_sgx_root_ca.der'))
  })

  it('TDX quote v5 (TD 1.5)', () => {
    const q = parseQuote(vec('tdx_quote_outdated'))
    expect(q.header.version).toBe(5)
    expect(q.header.teeType).toBe(0x81)
    expect(q.bodyDescriptor).toEqual({ type: 3, size: 648 })
    expect(q.body.type).toBe('td15')
    if (q.body.type === 'sgx') throw new Error('unreachable')
    expect(q.body.mrTd).toHaveLength(48)
    expect(q.body.reportData).toHaveLength(64)
    expect(q.body.teeTcbSvn2).toHaveLength(16)
    expect(q.body.mrServiceTd).toHaveLength(48)
    expect(q.signedLength).toBe(702)
    expect(q.signature.certificationData.type).toBe(5)
    expect(q.pckChainPem).toHaveLength(3)
    expect(cn(q.pckChainDer[0]!)).toContain('Intel SGX PCK Certificate')
    expect(q.trailing).toHaveLength(0)
  })
})

describe('parseQuote rejects malformed input with the offset', () => {
  const tdx = vec('tdx_quote')

  it('truncated header', () => {
    expectMalformed(() => parseQuote(tdx.subarray(0, 20)), 0)
  })
  it('truncated body', () => {
    expectMalformed(() => parseQuote(tdx.subarray(0, 300)), 48)
  })
  it('signature length beyond the input', () => {
    const err = expectMalformed(() => parseQuote(tdx.subarray(0, 1000)), 632)
    expect(err.meta.field).toBe('signature data length')
  })
  it('inner certification data size overruns type-6 container', () => {
    const q = parseQuote(tdx)
    const b = tdx.slice()
    const innerOff = q.signature.certificationData.offset
    new DataView(b.buffer).setUint32(innerOff + 2, 999_999, true)
    expectMalformed(() => parseQuote(b), innerOff + 6)
  })
  it('wrong outer certification type', () => {
    const b = tdx.slice()
    const outerOff = 636 + 128
    b[outerOff] = 5
    expectMalformed(() => parseQuote(b), outerOff)
  })
  it('unsupported version / key type', () => {
    const b = tdx.slice()
    b[0] = 9
    expect(() => parseQuote(b)).toThrow(expect.objectContaining({ code: 'ATTESTATION_UNSUPPORTED' }))
    const c = tdx.slice()
    c[2] = 3
    expect(() => parseQuote(c)).toThrow(expect.objectContaining({ code: 'ATTESTATION_UNSUPPORTED' }))
  })
  it('unknown tee type', () => {
    const b = tdx.slice()
    b[4] = 0x42
    expectMalformed(() => parseQuote(b), 4)
  })
  it('v5 body descriptor size mismatch', () => {
    const b = vec('tdx_quote_outdated').slice()
    b[50] = 0x47
    expectMalformed(() => parseQuote(b), 50)
  })
  it('empty PEM chain', () => {
    const q = parseQuote(tdx)
    const b = tdx.slice()
    const d = q.signature.certificationData
    const start = d.offset + 6
    b.fill(0x41, start, start + d.data.length)
    expectMalformed(() => parseQuote(b), d.offset)
  })
})
