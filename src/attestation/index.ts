export type {
  Collateral,
  DcapErrorCode,
  DcapEvidenceVerifier,
  DcapVerdict,
  DcapVerifierOptions,
  PreparedCollateral,
} from './dcap/index.js'
export {
  createDcapVerifier,
  DcapError,
  dcapIdentity,
  INTEL_SGX_ROOT_CA_SHA256,
  parseCollateral,
  parseDcapQuote,
  prepareCollateral,
  verifyQuote,
} from './dcap/index.js'
export type { DstackIdentityInput, EventHash, QuoteContentTag, TdRegisters, TdxMrs } from './dstack/index.js'
export {
  BOOT_MR_DONE,
  canonicalAppCompose,
  composeHashOf,
  computeDstackIdentity,
  computeTdxMrs,
  DSTACK_RUNTIME_EVENT_TYPE,
  decodeVersionedAttestation,
  defaultAppIdOf,
  encodeVersionedAttestation,
  findEventPayload,
  findEventPayloads,
  isCanonicalAppCompose,
  MAX_ATTESTATION_BYTES,
  mrKeyProviderOf,
  osImageHashFromConfig,
  quoteReportData,
  replayRuntimeEvents,
  runtimeEventDigest,
  runtimeEventPreimage,
  runtimeEventToTdxEvent,
  SYSTEM_READY,
  stripAttestation,
} from './dstack/index.js'
export type { AttestationErrorCode } from './errors.js'
export { AttestationError } from './errors.js'
export type { NitroDocument, NitroErrorCode, NitroVerdict } from './nitro/index.js'
export {
  AWS_NITRO_ROOT_G1_SHA256,
  createNitroVerifier,
  NitroError,
  nitroIdentity,
  verifyNitroDocument,
} from './nitro/index.js'
export type {
  CertificationData,
  ParsedQuote,
  QuoteHeader,
  QuoteSignatureData,
  ReportBody,
  SgxReportBody,
  TdReportBody,
} from './quote/index.js'
export {
  encodeTdxQuote,
  encodeTdxQuoteSignedRegion,
  INTEL_QE_VENDOR_ID,
  parseQuote,
  TEE_TYPE_SGX,
  TEE_TYPE_TDX,
} from './quote/index.js'
export type {
  BuildSimulatedQuoteInput,
  CreateSimulatedRootCaInput,
  DcapCertificateInput,
  DcapCollateralInput,
  DcapCrlInput,
  DcapKey,
  IssueSimulatedCollateralInput,
  IssueSimulatedPckInput,
  IssueSimulatedVendorCertInput,
  SgxExtension,
  SimulatedDcapVerifier,
  SimulatedTcb,
  SimulatedTrustAnchor,
} from './simulated/index.js'
export {
  buildSimulatedQuote,
  createSimulatedDcapVerifier,
  createSimulatedRootCa,
  dcapCollateral,
  dcapKey,
  decodeSgxExtension,
  encodeSgxExtension,
  isIssuedBy,
  isSimulatedQuote,
  issueDcapCertificate,
  issueDcapCrl,
  issueSimulatedCollateral,
  issueSimulatedPck,
  issueSimulatedPckCa,
  issueSimulatedTcbSigner,
  readSimulatedPck,
  SGX_EXTENSION_OID,
  SIMULATED_FMSPC,
  SIMULATED_QE_VENDOR_ID,
  SIMULATED_ROOT_CN,
  sgxExtensionOfCertificate,
  signP256Raw,
  simulatedFmspc,
  simulatedMeasurement,
} from './simulated/index.js'
export type {
  Attestation,
  EvidenceVerifier,
  Identity,
  Measurements,
  Platform,
  Quote,
  RuntimeEvent,
  TcbStatus,
  TdxEvent,
  VerifyOptions,
} from './types.js'
export { TCB_STATUSES } from './types.js'
export type { CreateVerifierOptions } from './verifier.js'
export { createVerifier } from './verifier.js'
