export type { BuildSimulatedQuoteInput } from './buildSimulatedQuote.js'
export { buildSimulatedQuote } from './buildSimulatedQuote.js'
export type { SimulatedRegister } from './constants.js'
export {
  isSimulatedQuote,
  SGX_EXTENSION_OID,
  SIMULATED_FMSPC,
  SIMULATED_PCE_ID,
  SIMULATED_PCK_CA_CN,
  SIMULATED_PCK_CN,
  SIMULATED_QE_MRENCLAVE,
  SIMULATED_QE_VENDOR_ID,
  SIMULATED_ROOT_CN,
  SIMULATED_TCB_SIGNING_CN,
  simulatedMeasurement,
} from './constants.js'
export type { DcapCertificateInput, DcapCollateralInput, DcapCrlInput, DcapKey } from './dcapPki.js'
export { dcapCollateral, dcapKey, issueDcapCertificate, issueDcapCrl, signP256Raw } from './dcapPki.js'
export type { SgxExtension } from './sgxExtension.js'
export { decodeSgxExtension, encodeSgxExtension, sgxExtensionOfCertificate } from './sgxExtension.js'
export type {
  CreateSimulatedRootCaInput,
  IssueSimulatedCollateralInput,
  IssueSimulatedPckInput,
  IssueSimulatedVendorCertInput,
  SimulatedTcb,
} from './simulatedCa.js'
export {
  createSimulatedRootCa,
  isIssuedBy,
  issueSimulatedCollateral,
  issueSimulatedPck,
  issueSimulatedPckCa,
  issueSimulatedTcbSigner,
  readSimulatedPck,
  simulatedFmspc,
  simulatedQeIdentity,
  simulatedTcbInfo,
} from './simulatedCa.js'
export type { SimulatedDcapVerifier, SimulatedTrustAnchor } from './simulatedTrust.js'
export { createSimulatedDcapVerifier } from './simulatedTrust.js'
