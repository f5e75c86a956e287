/**
 * Parsed Intel DCAP quote (v3, v4, v5), attestation.md §1. Every field is a subarray view of the input
 * (no copies); `raw`-suffixed fields keep the exact bytes a verifier must hash or signature-check.
 */

/** Header, 48 bytes at offset 0 (same in v3/v4/v5). */
export interface QuoteHeader {
  version: number
  /** 2 = ECDSA-256-with-P-256 */
  attKeyType: number
  /** 0 = SGX, 0x81 = TDX (reserved/0 in v3) */
  teeType: number
  qeSvn: number
  pceSvn: number
  /** 16 bytes; Intel QE = 939A7233F79C4CA9940A0DB3957F0607 */
  qeVendorId: Uint8Array
  /** 20 bytes; first 16 = QE ID */
  userData: Uint8Array
  raw: Uint8Array
}

/** sgx_report_body_t, 384 bytes (enclave report body and QE report). */
export interface SgxReportBody {
  type: 'sgx'
  cpuSvn: Uint8Array
  miscSelect: number
  reserved1: Uint8Array
  isvExtProdId: Uint8Array
  /** 16 bytes: flags u64 LE (bit 1 = DEBUG) ‖ xfrm u64 LE */
  attributes: Uint8Array
  mrEnclave: Uint8Array
  reserved2: Uint8Array
  mrSigner: Uint8Array
  reserved3: Uint8Array
  configId: Uint8Array
  isvProdId: number
  isvSvn: number
  configSvn: number
  reserved4: Uint8Array
  isvFamilyId: Uint8Array
  reportData: Uint8Array
  raw: Uint8Array
}

/** sgx_report2_body_t (TD 1.0, 584 bytes) or its TD 1.5 extension (648 bytes). */
export interface TdReportBody {
  type: 'td10' | 'td15'
  teeTcbSvn: Uint8Array
  mrSeam: Uint8Array
  mrSignerSeam: Uint8Array
  seamAttributes: Uint8Array
  /** 8 bytes; bit 0 = DEBUG, bit 28 = SEPT_VE_DISABLE */
  tdAttributes: Uint8Array
  xfam: Uint8Array
  mrTd: Uint8Array
  mrConfigId: Uint8Array
  mrOwner: Uint8Array
  mrOwnerConfig: Uint8Array
  rtmr: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  reportData: Uint8Array
  /** TD 1.5 only */
  teeTcbSvn2?: Uint8Array
  /** TD 1.5 only */
  mrServiceTd?: Uint8Array
  raw: Uint8Array
}

export type ReportBody = SgxReportBody | TdReportBody

/** Certification data: u16 type ‖ u32 size ‖ data. `offset` = absolute offset of `type` in the quote. */
export interface CertificationData {
  /** 1..7, see attestation.md §1.5; 5 = PCK cert chain (PEM), 6 = QE report certification data */
  type: number
  data: Uint8Array
  offset: number
}

/** ECDSA signature data (v3 sgx_ql_ecdsa_sig_data_t, or v4/v5 with type-6 flattened in). */
export interface QuoteSignatureData {
  /** 64-byte raw r‖s over `signedRegion` by the attestation key */
  quoteSignature: Uint8Array
  /** 64-byte raw x‖y P-256 attestation public key */
  attestationPublicKey: Uint8Array
  qeReport: SgxReportBody
  /** 384 bytes, the exact bytes the PCK key signed */
  qeReportRaw: Uint8Array
  /** 64-byte raw r‖s over `qeReportRaw` by the PCK leaf key */
  qeReportSignature: Uint8Array
  qeAuthData: Uint8Array
  /** Innermost certification data (v3: the only one; v4/v5: inside type 6). Normally type 5. */
  certificationData: CertificationData
  /** v4/v5 only: the outer type-6 wrapper */
  outerCertificationData?: CertificationData
  raw: Uint8Array
}

export interface ParsedQuote {
  header: QuoteHeader
  /** v5 only: body descriptor (u16 type 1=SGX 2=TD1.0 3=TD1.5, u32 size) */
  bodyDescriptor?: { type: number; size: number }
  body: ReportBody
  /** bytes [0, signedLength): the region the attestation key signed */
  signedLength: number
  signedRegion: Uint8Array
  signatureDataLength: number
  signature: QuoteSignatureData
  /** type-5 PEM chain split into certificates (leaf first as in real quotes); empty for other types */
  pckChainPem: string[]
  /** DER of each `pckChainPem` entry */
  pckChainDer: Uint8Array[]
  /** bytes after the declared signature data (real quotes may be zero-padded); tolerated but reported */
  trailing: Uint8Array
  /** the quote proper, without `trailing` */
  raw: Uint8Array
}
