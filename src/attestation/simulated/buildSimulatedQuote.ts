import { sha256 } from '@noble/hashes/sha2.js'
import type { SecretBytes } from '../../crypto/index.js'
import { concatBytes, utf8ToBytes } from '../../crypto/index.js'
import { replayRuntimeEvents } from '../dstack/index.js'
import { derToPem, encodeSgxReportBody, encodeTdxQuote, encodeTdxQuoteSignedRegion } from '../quote/index.js'
import type { RuntimeEvent } from '../types.js'
import {
  SIMULATED_QE_ATTRIBUTES,
  SIMULATED_QE_ISVPRODID,
  SIMULATED_QE_MRENCLAVE,
  SIMULATED_QE_MRSIGNER,
  SIMULATED_QE_VENDOR_ID,
  simulatedMeasurement,
  TD_ATTR_DEBUG_BIT,
  TD_ATTR_SEPT_VE_DISABLE_BIT,
  TD_ATTR_SEPT_VE_DISABLE_BYTE,
} from './constants.js'
import { dcapKey, signP256Raw } from './dcapPki.js'

export interface BuildSimulatedQuoteInput {
  /** PCK leaf key (signs the QE report) */
  pckKey: SecretBytes
  /** attestation key (signs header ‖ TD report) */
  attestationKey: SecretBytes
  /** [PCK leaf, PCK CA, simulated root], DER */
  certChainDer: Uint8Array[]
  osImageHash: Uint8Array
  /** RTMR3 = replay of these */
  runtimeEvents: readonly RuntimeEvent[]
  /** 64 bytes */
  reportData: Uint8Array
  debug?: boolean
}

interface CertifiedKey {
  pckKey: SecretBytes
  attestationPublicKey: Uint8Array
  authData: Uint8Array
  report: Uint8Array
  signature: Uint8Array
}
const certified = new WeakMap<SecretBytes, CertifiedKey>()

/**
 * The simulated QE's certification of an attestation key, made once per key as a real QE does: a QE report whose
 * report_data[0..32] = sha256(attestation_pubkey ‖ qe_auth_data), signed by the PCK key. Every quote carries it.
 */
function certifiedAttestationKey(pckKey: SecretBytes, attestationKey: SecretBytes): CertifiedKey {
  const hit = certified.get(attestationKey)
  if (hit && hit.pckKey === pckKey) return hit
  const attestationPublicKey = dcapKey(attestationKey).rawXY
  const authData = sha256(concatBytes(utf8ToBytes('custos-simulated-qe-auth:'), attestationPublicKey))
  const qeReportData = new Uint8Array(64)
  qeReportData.set(sha256(concatBytes(attestationPublicKey, authData)))
  const report = encodeSgxReportBody({
    attributes: SIMULATED_QE_ATTRIBUTES,
    mrEnclave: SIMULATED_QE_MRENCLAVE,
    mrSigner: SIMULATED_QE_MRSIGNER,
    isvProdId: SIMULATED_QE_ISVPRODID,
    reportData: qeReportData,
  })
  const c = { pckKey, attestationPublicKey, authData, report, signature: signP256Raw(dcapKey(pckKey), report) }
  certified.set(attestationKey, c)
  return c
}

/**
 * A TDX quote v4 in the exact Intel byte layout, signed like a real one but by simulated keys (OpenSSL):
 * attestation key over header ‖ TD report; PCK key over the QE report (once per attestation key) whose
 * report_data[0..32] = sha256(attestation_pubkey ‖ qe_auth_data); certification data 6 → 5 (PEM chain, leaf first).
 */
export function buildSimulatedQuote(input: BuildSimulatedQuoteInput): Uint8Array {
  if (input.reportData.length !== 64)
    throw new RangeError(`reportData must be 64 bytes, got ${input.reportData.length}`)
  const tdAttributes = new Uint8Array(8)
  tdAttributes[TD_ATTR_SEPT_VE_DISABLE_BYTE] = TD_ATTR_SEPT_VE_DISABLE_BIT
  if (input.debug) tdAttributes[0] = TD_ATTR_DEBUG_BIT
  const os = input.osImageHash
  const signedRegion = encodeTdxQuoteSignedRegion(
    { qeVendorId: SIMULATED_QE_VENDOR_ID },
    {
      tdAttributes,
      // x87 | SSE | AVX …: a typical TD xfam, purely informational here
      xfam: Uint8Array.of(0xe7, 0x02, 0x06, 0, 0, 0, 0, 0),
      mrTd: simulatedMeasurement('mrtd', os),
      rtmr: [
        simulatedMeasurement('rtmr0', os),
        simulatedMeasurement('rtmr1', os),
        simulatedMeasurement('rtmr2', os),
        replayRuntimeEvents(input.runtimeEvents),
      ],
      reportData: input.reportData,
    },
  )
  const qe = certifiedAttestationKey(input.pckKey, input.attestationKey)
  const pem = input.certChainDer.map(derToPem).join('')
  return encodeTdxQuote({
    signedRegion,
    quoteSignature: signP256Raw(dcapKey(input.attestationKey), signedRegion),
    attestationPublicKey: qe.attestationPublicKey,
    qeReport: qe.report,
    qeReportSignature: qe.signature,
    qeAuthData: qe.authData,
    certificationData: { type: 5, data: concatBytes(utf8ToBytes(pem), Uint8Array.of(0)) },
  })
}
