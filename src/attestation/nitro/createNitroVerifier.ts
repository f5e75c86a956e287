import type { Attestation, EvidenceVerifier, Identity, VerifyOptions } from '../types.js'
import { createNitroCertCache, rootFingerprintBytes } from './chain.js'
import { NitroError } from './errors.js'
import { nitroIdentity } from './identity.js'
import { verifyNitroDocument } from './verifyNitroDocument.js'

export interface NitroVerifierOptions {
  /** SHA-256 of the trusted root (32 bytes or hex); default AWS Nitro Enclaves Root-G1. Tests pass their own. */
  trustedRootFingerprint?: Uint8Array | string
  /** accept debug-mode enclaves (Identity.debug = true); default false */
  allowDebug?: boolean
  /** refuse documents older than this at `now`; default 3600 s (dstack nsm-qvl) */
  maxAgeSeconds?: number
}

/**
 * The AWS Nitro Enclaves `EvidenceVerifier` for `createVerifier({ nitro })`. Certificates are verified at
 * `VerifyOptions.now`; parsed certificates and verified chain links are cached per verifier by DER hash, so
 * a repeat client costs one ES384 verify.
 */
export function createNitroVerifier(opts: NitroVerifierOptions = {}): EvidenceVerifier {
  const fingerprint = rootFingerprintBytes(opts.trustedRootFingerprint)
  const cache = createNitroCertCache()
  return {
    async verify(att: Attestation, vopts: VerifyOptions): Promise<Identity> {
      if (att.quote.type !== 'nitro')
        throw new NitroError(
          'NITRO_UNSUPPORTED',
          'the Nitro verifier takes AWS Nitro documents only, not Intel quotes',
          {
            field: 'quote',
          },
        )
      const verdict = verifyNitroDocument(att.quote.nsmQuote, {
        now: vopts.now,
        trustedRootFingerprint: fingerprint,
        allowDebug: opts.allowDebug ?? false,
        cache,
        ...(opts.maxAgeSeconds !== undefined ? { maxAgeSeconds: opts.maxAgeSeconds } : {}),
        ...(vopts.expectedReportData ? { expectedReportData: vopts.expectedReportData } : {}),
      })
      return nitroIdentity(verdict, att)
    },
  }
}
