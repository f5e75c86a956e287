import { AttestationError } from '../errors.js'
import { ByteCursor, malformed } from './byteCursor.js'
import { splitPemChain } from './pemChain.js'
import {
  HEADER_LEN,
  readSgxReportBody,
  readTdReportBody,
  SGX_REPORT_BODY_LEN,
  TD10_REPORT_BODY_LEN,
  TD15_REPORT_BODY_LEN,
} from './reportBody.js'
import type { CertificationData, ParsedQuote, QuoteHeader, QuoteSignatureData, ReportBody } from './types.js'

export const TEE_TYPE_SGX = 0x00000000
export const TEE_TYPE_TDX = 0x00000081
export const ATT_KEY_TYPE_ECDSA_P256 = 2
export const CERT_TYPE_PCK_CHAIN = 5
export const CERT_TYPE_QE_REPORT = 6
/** Intel's Quoting Enclave vendor id. */
export const INTEL_QE_VENDOR_ID = Uint8Array.from(Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex'))

const WHAT = 'DCAP quote'

/**
 * Parse a DCAP ECDSA quote v3 (SGX), v4 (SGX or TDX TD1.0) or v5 (SGX, TD1.0, TD1.5) — attestation.md §1.
 * Structural only: no signature, chain or policy check. Trailing bytes after the declared signature data
 * are tolerated (real quotes are zero-padded) and returned in `trailing`.
 * `decodePckChain: false` leaves `pckChainPem`/`pckChainDer` empty (a verifier that caches chains by the
 * certification data bytes decodes them only when it has not seen them).
 * @throws AttestationError ATTESTATION_MALFORMED (meta.offset = where) or ATTESTATION_UNSUPPORTED
 */
export function parseQuote(bytes: Uint8Array, opts: { decodePckChain?: boolean } = {}): ParsedQuote {
  const c = new ByteCursor(bytes, WHAT)
  const header = readHeader(c)
  const { version, teeType } = header

  let bodyDescriptor: ParsedQuote['bodyDescriptor']
  let body: ReportBody
  if (version === 3) {
    body = readSgxReportBody(c)
  } else if (version === 4) {
    if (teeType === TEE_TYPE_TDX) body = readTdReportBody(c, 'td10')
    else if (teeType === TEE_TYPE_SGX) body = readSgxReportBody(c)
    else malformed(`unknown tee_type 0x${teeType.toString(16)}`, 4, 'tee_type')
  } else {
    const descOff = c.offset
    const type = c.u16('body descriptor type')
    const size = c.u32('body descriptor size')
    bodyDescriptor = { type, size }
    const expected = [0, SGX_REPORT_BODY_LEN, TD10_REPORT_BODY_LEN, TD15_REPORT_BODY_LEN][type]
    if (expected === undefined || type === 0) malformed(`unknown v5 body type ${type}`, descOff, 'body descriptor type')
    if (size !== expected)
      malformed(`v5 body size ${size} does not match type ${type} (${expected})`, descOff + 2, 'body size')
    if ((type === 1) !== (teeType === TEE_TYPE_SGX))
      malformed(
        `v5 body type ${type} does not match tee_type 0x${teeType.toString(16)}`,
        descOff,
        'body descriptor type',
      )
    body = type === 1 ? readSgxReportBody(c) : readTdReportBody(c, type === 2 ? 'td10' : 'td15')
  }

  const signedLength = c.offset
  const signatureDataLength = c.u32('signature data length')
  const sigStart = c.offset
  const sigEnd = sigStart + signatureDataLength
  if (sigEnd > bytes.length)
    malformed(
      `${WHAT} is truncated: signature data declares ${signatureDataLength} bytes, only ${bytes.length - sigStart} present`,
      signedLength,
      'signature data length',
    )
  const signature = readSignatureData(bytes, sigStart, sigEnd, version)
  const inner = signature.certificationData
  const decode = inner.type === CERT_TYPE_PCK_CHAIN && opts.decodePckChain !== false
  const chain = decode ? splitPemChain(inner.data, inner.offset + 6) : { pem: [], der: [] }
  if (decode && chain.pem.length === 0)
    malformed(
      'PCK certificate chain (certification data type 5) holds no PEM certificate',
      inner.offset,
      'pck cert chain',
    )

  return {
    header,
    ...(bodyDescriptor ? { bodyDescriptor } : {}),
    body,
    signedLength,
    signedRegion: bytes.subarray(0, signedLength),
    signatureDataLength,
    signature,
    pckChainPem: chain.pem,
    pckChainDer: chain.der,
    trailing: bytes.subarray(sigEnd),
    raw: bytes.subarray(0, sigEnd),
  }
}

function readHeader(c: ByteCursor): QuoteHeader {
  const raw = c.bytes(HEADER_LEN, 'header')
  const hc = new ByteCursor(raw, WHAT)
  const version = hc.u16('version')
  const attKeyType = hc.u16('att_key_type')
  const teeType = hc.u32('tee_type')
  const qeSvn = hc.u16('qe_svn')
  const pceSvn = hc.u16('pce_svn')
  const qeVendorId = hc.bytes(16, 'qe_vendor_id')
  const userData = hc.bytes(20, 'user_data')
  if (version < 3 || version > 5)
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `DCAP quote version ${version} is not supported (3, 4 or 5)`,
      {
        offset: 0,
        field: 'version',
      },
    )
  if (attKeyType !== ATT_KEY_TYPE_ECDSA_P256)
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `DCAP quote attestation key type ${attKeyType} is not supported (only 2 = ECDSA P-256)`,
      { offset: 2, field: 'att_key_type' },
    )
  if (version === 3 && teeType !== TEE_TYPE_SGX)
    malformed(`v3 quote with tee_type 0x${teeType.toString(16)}`, 4, 'tee_type')
  if (teeType !== TEE_TYPE_SGX && teeType !== TEE_TYPE_TDX)
    malformed(`unknown tee_type 0x${teeType.toString(16)}`, 4, 'tee_type')
  return { version, attKeyType, teeType, qeSvn, pceSvn, qeVendorId, userData, raw }
}

function readCertData(c: ByteCursor, field: string): CertificationData {
  const offset = c.offset
  const type = c.u16(`${field} type`)
  const size = c.u32(`${field} size`)
  const data = c.bytes(size, `${field} (${size} bytes)`)
  return { type, data, offset }
}

/** QE report ‖ QE report sig ‖ u16 auth size ‖ auth ‖ certification data (v3 tail and v4 type-6 body). */
function readQeSection(c: ByteCursor) {
  const qeReport = readSgxReportBody(c, 'QE report')
  const qeReportSignature = c.bytes(64, 'QE report signature')
  const authSize = c.u16('QE auth data size')
  const qeAuthData = c.bytes(authSize, 'QE auth data')
  const certificationData = readCertData(c, 'certification data')
  return { qeReport, qeReportRaw: qeReport.raw, qeReportSignature, qeAuthData, certificationData }
}

function readSignatureData(bytes: Uint8Array, start: number, end: number, version: number): QuoteSignatureData {
  const c = new ByteCursor(bytes, `${WHAT} signature data`, start, end)
  const quoteSignature = c.bytes(64, 'quote signature')
  const attestationPublicKey = c.bytes(64, 'attestation public key')
  const raw = bytes.subarray(start, end)
  if (version === 3) {
    const qe = readQeSection(c)
    return { quoteSignature, attestationPublicKey, ...qe, raw }
  }
  const outer = readCertData(c, 'certification data')
  if (outer.type !== CERT_TYPE_QE_REPORT)
    malformed(
      `v${version} quote certification data has type ${outer.type}, expected 6 (QE report certification data)`,
      outer.offset,
      'certification data type',
    )
  const ic = new ByteCursor(
    bytes,
    `${WHAT} QE report certification data`,
    outer.offset + 6,
    outer.offset + 6 + outer.data.length,
  )
  const qe = readQeSection(ic)
  return { quoteSignature, attestationPublicKey, ...qe, outerCertificationData: outer, raw }
}
