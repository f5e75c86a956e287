import { sha256 } from '@noble/hashes/sha2.js'
import type { SecretBytes } from '../../crypto/index.js'
import { concatBytes, utf8ToBytes } from '../../crypto/index.js'
import { replayRuntimeEvents } from '../dstack/index.js'
import { derToPem, encodeSgxReportBody, encodeTdxQuote, encodeTdxQuoteSignedRegion } from '../quote/index.js'
import type { RuntimeEvent } from '../types.js'
import {
  SIMULATED_QE_VENDOR_ID,
  simulatedMeasurement,
  TD_ATTR_DEBUG_BIT,
  TD_ATTR_SEPT_VE_DISABLE_BIT,
  TD_ATTR_SEPT_VE_DISABLE_BYTE,
} from './constants.js'
import { p256RawXY, signRaw } from './keys.js'

export interface BuildSimulatedQuoteInput {
  /** PCK leaf key (signs the QE report) */
  pckKey: SecretBytes
  /** attestation key (signs header ‖ TD report) */
  attestationKey: SecretBytes
  /** [PCK leaf, simulated root], DER */
  certChainDer: Uint8Array[]
  osImageHash: Uint8Array
  /** RTMR3 = replay of these */
  runtimeEvents: readonly RuntimeEvent[]
  /** 64 bytes */
  reportData: Uint8Array
  debug?: boolean
}

/** The simulated Quoting Enclave's measurement (a label hash; there is no real QE). */
export const SIMULATED_QE_MRENCLAVE = sha256(utf8ToBytes('custos-simulated-quoting-enclave'))

/**
 * A TDX quote v4 in the exact Intel byte layout, signed like a real one but by simulated keys:
 * attestation key over header ‖ TD report; PCK key over the QE report whose report_data[0..32] =
 * sha256(attestation_pubkey ‖ qe_auth_data); certification data 6 → 5 (PEM chain, leaf first).
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
  const attestationPublicKey = p256RawXY(input.attestationKey)
  const qeAuthData = sha256(concatBytes(utf8ToBytes('custos-simulated-qe-auth:'), attestationPublicKey))
  const qeReportData = new Uint8Array(64)
  qeReportData.set(sha256(concatBytes(attestationPublicKey, qeAuthData)))
  const qeReport = encodeSgxReportBody({
    mrEnclave: SIMULATED_QE_MRENCLAVE,
    isvProdId: 2,
    reportData: qeReportData,
  })
  const pem = input.certChainDer.map(derToPem).join('')
  return encodeTdxQuote({
    signedRegion,
    quoteSignature: signRaw(input.attestationKey, signedRegion),
    attestationPublicKey,
    qeReport,
    qeReportSignature: signRaw(input.pckKey, qeReport),
    qeAuthData,
    certificationData: { type: 5, data: concatBytes(utf8ToBytes(pem), Uint8Array.of(0)) },
  })
}
