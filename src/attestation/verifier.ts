import { AttestationError } from './errors.js'
import { isSimulatedQuote } from './simulated/constants.js'
import { createSimulatedDcapVerifier, type SimulatedTrustAnchor } from './simulated/simulatedTrust.js'
import type { EvidenceVerifier } from './types.js'

export interface CreateVerifierOptions {
  /** accept evidence from the INSECURE simulated TEE (`[attestation] trust_simulated`); dev only */
  trustSimulated: boolean
  /** the simulated vendors trusted: root CA and the collateral each issued (a `SimulatedVendor` is one) */
  simulatedRoots: readonly SimulatedTrustAnchor[]
  /** real Intel DCAP verifier (SGX/TDX); without it real quotes are refused */
  dcap?: EvidenceVerifier
  /** AWS Nitro verifier; without it Nitro documents are refused */
  nitro?: EvidenceVerifier
  /** accept debug simulated TDs (the real verifiers take their own option) */
  allowDebug?: boolean
}

/**
 * The node's one EvidenceVerifier: dispatches on the evidence kind. Simulated quotes are recognised by
 * qe_vendor_id "CUSTOS-SIMULATED" and refused unless `trustSimulated`; when trusted they go through the same DCAP
 * verifier as real quotes, trusting the simulated roots instead of Intel's. Other TDX/SGX quotes go to `dcap`;
 * Nitro documents go to `nitro`.
 */
export function createVerifier(opts: CreateVerifierOptions): EvidenceVerifier {
  const simulated = opts.trustSimulated
    ? createSimulatedDcapVerifier(opts.simulatedRoots, { allowDebug: opts.allowDebug ?? false })
    : undefined
  return {
    async verify(att, vopts) {
      if (att.quote.type === 'nitro') {
        if (!opts.nitro)
          throw new AttestationError(
            'ATTESTATION_UNSUPPORTED',
            'AWS Nitro attestation verification is not configured on this node',
          )
        return opts.nitro.verify(att, vopts)
      }
      if (isSimulatedQuote(att.quote.quote)) {
        if (!simulated)
          throw new AttestationError(
            'ATTESTATION_SIMULATED_NOT_TRUSTED',
            'the evidence comes from the INSECURE simulated TEE, which this node does not trust; for development only, set `[attestation] trust_simulated = true` and list the simulated root CA',
          )
        return simulated.verify(att, vopts)
      }
      if (!opts.dcap)
        throw new AttestationError(
          'ATTESTATION_UNSUPPORTED',
          'real DCAP verification is not configured: this node cannot verify Intel SGX/TDX quotes yet',
        )
      return opts.dcap.verify(att, vopts)
    },
  }
}
