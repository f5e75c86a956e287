export type {
  SgxReportBodyInput,
  TdReportBodyInput,
  TdxQuoteHeaderInput,
  TdxQuoteSignatureInput,
} from './encodeTdxQuote.js'
export { encodeSgxReportBody, encodeTdxQuote, encodeTdxQuoteSignedRegion } from './encodeTdxQuote.js'
export {
  ATT_KEY_TYPE_ECDSA_P256,
  CERT_TYPE_PCK_CHAIN,
  CERT_TYPE_QE_REPORT,
  INTEL_QE_VENDOR_ID,
  parseQuote,
  TEE_TYPE_SGX,
  TEE_TYPE_TDX,
} from './parseQuote.js'
export { derToPem, splitPemChain } from './pemChain.js'
export type {
  CertificationData,
  ParsedQuote,
  QuoteHeader,
  QuoteSignatureData,
  ReportBody,
  SgxReportBody,
  TdReportBody,
} from './types.js'
