export type { BuildSimulatedQuoteInput } from './buildSimulatedQuote.js'
export { buildSimulatedQuote, SIMULATED_QE_MRENCLAVE } from './buildSimulatedQuote.js'
export type { SimulatedRegister } from './constants.js'
export {
  SGX_EXTENSION_OID,
  SIMULATED_FMSPC,
  SIMULATED_PCE_ID,
  SIMULATED_PCK_CN,
  SIMULATED_QE_VENDOR_ID,
  SIMULATED_ROOT_CN,
  SIMULATED_TCB_OID,
  simulatedMeasurement,
} from './constants.js'
export { p256PublicKey, p256RawXY } from './keys.js'
export type { SgxExtension } from './sgxExtension.js'
export { decodeSgxExtension, encodeSgxExtension } from './sgxExtension.js'
export type { CreateSimulatedRootCaInput, IssueSimulatedPckInput } from './simulatedCa.js'
export { createSimulatedRootCa, issueSimulatedPck } from './simulatedCa.js'
export { isIssuedBy, readSimulatedPck } from './simulatedPck.js'
export type { SimulatedTcb } from './tcbExtension.js'
export { decodeTcbExtension, encodeTcbExtension } from './tcbExtension.js'
export type { SimulatedVerifierOptions } from './verifySimulatedQuote.js'
export { createSimulatedVerifier, isSimulatedQuote, verifySimulatedQuote } from './verifySimulatedQuote.js'
