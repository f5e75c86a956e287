import { concatBytes } from '../../crypto/index.js'
import { ATT_KEY_TYPE_ECDSA_P256, CERT_TYPE_PCK_CHAIN, CERT_TYPE_QE_REPORT, TEE_TYPE_TDX } from './parseQuote.js'
import { HEADER_LEN, SGX_REPORT_BODY_LEN, TD10_REPORT_BODY_LEN } from './reportBody.js'

/**
 * Encoder for the DCAP quote v4 / TDX TD 1.0 layout (attestation.md §1), the inverse of `parseQuote`
 * for that variant. Used by the simulated TEE, which must emit exactly the real byte layout.
 * Omitted fields are zero. Lengths are checked so a wrong-size field cannot shift the layout.
 */

export interface TdxQuoteHeaderInput {
  qeSvn?: number
  pceSvn?: number
  /** 16 bytes */
  qeVendorId: Uint8Array
  /** 20 bytes */
  userData?: Uint8Array
}

export interface TdReportBodyInput {
  teeTcbSvn?: Uint8Array
  mrSeam?: Uint8Array
  mrSignerSeam?: Uint8Array
  seamAttributes?: Uint8Array
  tdAttributes?: Uint8Array
  xfam?: Uint8Array
  mrTd?: Uint8Array
  mrConfigId?: Uint8Array
  mrOwner?: Uint8Array
  mrOwnerConfig?: Uint8Array
  rtmr?: readonly Uint8Array[]
  reportData?: Uint8Array
}

export interface SgxReportBodyInput {
  cpuSvn?: Uint8Array
  miscSelect?: number
  attributes?: Uint8Array
  mrEnclave?: Uint8Array
  mrSigner?: Uint8Array
  isvProdId?: number
  isvSvn?: number
  reportData?: Uint8Array
}

export interface TdxQuoteSignatureInput {
  /** header ‖ TD report body, 632 bytes (from `encodeTdxQuoteSignedRegion`) */
  signedRegion: Uint8Array
  /** 64-byte r‖s over signedRegion by the attestation key */
  quoteSignature: Uint8Array
  /** 64-byte x‖y */
  attestationPublicKey: Uint8Array
  /** 384 bytes */
  qeReport: Uint8Array
  /** 64-byte r‖s over qeReport by the PCK key */
  qeReportSignature: Uint8Array
  qeAuthData: Uint8Array
  /** inner certification data; type defaults to 5 (PEM chain) */
  certificationData: { type?: number; data: Uint8Array }
}

class Buf {
  readonly b: Uint8Array
  constructor(len: number) {
    this.b = new Uint8Array(len)
  }
  put(off: number, v: Uint8Array | undefined, len: number, field: string): void {
    if (v === undefined) return
    if (v.length !== len) throw new RangeError(`${field}: expected ${len} bytes, got ${v.length}`)
    this.b.set(v, off)
  }
  u16(off: number, n: number): void {
    new DataView(this.b.buffer).setUint16(off, n, true)
  }
  u32(off: number, n: number): void {
    new DataView(this.b.buffer).setUint32(off, n, true)
  }
}

/** header (48) ‖ TD 1.0 report body (584) = the 632 bytes the attestation key signs. */
export function encodeTdxQuoteSignedRegion(header: TdxQuoteHeaderInput, body: TdReportBodyInput): Uint8Array {
  const o = new Buf(HEADER_LEN + TD10_REPORT_BODY_LEN)
  o.u16(0, 4)
  o.u16(2, ATT_KEY_TYPE_ECDSA_P256)
  o.u32(4, TEE_TYPE_TDX)
  o.u16(8, header.qeSvn ?? 0)
  o.u16(10, header.pceSvn ?? 0)
  o.put(12, header.qeVendorId, 16, 'qeVendorId')
  o.put(28, header.userData, 20, 'userData')
  const b = HEADER_LEN
  o.put(b + 0, body.teeTcbSvn, 16, 'teeTcbSvn')
  o.put(b + 16, body.mrSeam, 48, 'mrSeam')
  o.put(b + 64, body.mrSignerSeam, 48, 'mrSignerSeam')
  o.put(b + 112, body.seamAttributes, 8, 'seamAttributes')
  o.put(b + 120, body.tdAttributes, 8, 'tdAttributes')
  o.put(b + 128, body.xfam, 8, 'xfam')
  o.put(b + 136, body.mrTd, 48, 'mrTd')
  o.put(b + 184, body.mrConfigId, 48, 'mrConfigId')
  o.put(b + 232, body.mrOwner, 48, 'mrOwner')
  o.put(b + 280, body.mrOwnerConfig, 48, 'mrOwnerConfig')
  if (body.rtmr) {
    if (body.rtmr.length !== 4) throw new RangeError(`rtmr: expected 4 registers, got ${body.rtmr.length}`)
    for (const [i, r] of body.rtmr.entries()) o.put(b + 328 + 48 * i, r, 48, `rtmr${i}`)
  }
  o.put(b + 520, body.reportData, 64, 'reportData')
  return o.b
}

/** sgx_report_body_t (384 bytes), e.g. the QE report. */
export function encodeSgxReportBody(r: SgxReportBodyInput): Uint8Array {
  const o = new Buf(SGX_REPORT_BODY_LEN)
  o.put(0, r.cpuSvn, 16, 'cpuSvn')
  o.u32(16, r.miscSelect ?? 0)
  o.put(48, r.attributes, 16, 'attributes')
  o.put(64, r.mrEnclave, 32, 'mrEnclave')
  o.put(128, r.mrSigner, 32, 'mrSigner')
  o.u16(256, r.isvProdId ?? 0)
  o.u16(258, r.isvSvn ?? 0)
  o.put(320, r.reportData, 64, 'reportData')
  return o.b
}

function certData(type: number, data: Uint8Array): Uint8Array {
  const h = new Buf(6)
  h.u16(0, type)
  h.u32(2, data.length)
  return concatBytes(h.b, data)
}

/** Full v4 TDX quote: signed region ‖ u32 sig len ‖ sig ‖ att key ‖ cert data type 6 { QE report … inner cert data }. */
export function encodeTdxQuote(s: TdxQuoteSignatureInput): Uint8Array {
  const fixed = new Buf(HEADER_LEN + TD10_REPORT_BODY_LEN)
  fixed.put(0, s.signedRegion, HEADER_LEN + TD10_REPORT_BODY_LEN, 'signedRegion')
  const sig = new Buf(128)
  sig.put(0, s.quoteSignature, 64, 'quoteSignature')
  sig.put(64, s.attestationPublicKey, 64, 'attestationPublicKey')
  const qe = new Buf(SGX_REPORT_BODY_LEN + 64 + 2)
  qe.put(0, s.qeReport, SGX_REPORT_BODY_LEN, 'qeReport')
  qe.put(SGX_REPORT_BODY_LEN, s.qeReportSignature, 64, 'qeReportSignature')
  if (s.qeAuthData.length > 0xffff) throw new RangeError('qeAuthData: longer than 65535 bytes')
  qe.u16(SGX_REPORT_BODY_LEN + 64, s.qeAuthData.length)
  const inner = certData(s.certificationData.type ?? CERT_TYPE_PCK_CHAIN, s.certificationData.data)
  const outer = certData(CERT_TYPE_QE_REPORT, concatBytes(qe.b, s.qeAuthData, inner))
  const sigData = concatBytes(sig.b, outer)
  const len = new Buf(4)
  len.u32(0, sigData.length)
  return concatBytes(fixed.b, len.b, sigData)
}
