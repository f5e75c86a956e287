import type { Attestation } from '../attestation/index.js'
import { decodeVersionedAttestation, type EvidenceVerifier, type Identity } from '../attestation/index.js'
import { equalBytes } from '../crypto/index.js'
import { CustosError } from '../errors.js'
import { NetError } from './errors.js'
import { legacyToAttestation } from './raTlsLegacy.js'
import { raTlsReportData } from './raTlsReportData.js'
import { type RaTlsCertificateInfo, readRaTlsCertificate } from './readRaTlsCertificate.js'

export interface VerifyRaTlsOptions {
  /** require this dstack special usage (ext .1.4), e.g. `kms:rpc` for a KMS server cert */
  expectedUsage?: string
  /** skip the certificate validity window check (CSR-style flows); default false */
  ignoreValidity?: boolean
}

export interface RaTlsVerified {
  identity: Identity
  spki: Uint8Array
  usage?: string
  appId?: Uint8Array
}

/**
 * Verify a dstack RA-TLS certificate (dstack `verify_with_ra_pubkey`): the embedded attestation must commit to
 * `sha512("ratls-cert:" ‖ SPKI)` and the platform verifier must accept it with that expected report_data.
 * Does not check the certificate's issuer: the attestation is what is trusted (dstack mTLS `mandatory=false`).
 * `cert` is the DER certificate, or what `readRaTlsCertificate` already read from it (parse once per connection).
 * `now` is unix seconds.
 */
export async function verifyRaTlsCertificate(
  cert: Uint8Array | RaTlsCertificateInfo,
  verifier: EvidenceVerifier,
  now: number,
  opts: VerifyRaTlsOptions = {},
): Promise<RaTlsVerified> {
  const info = cert instanceof Uint8Array ? readRaTlsCertificate(cert) : cert
  if (!opts.ignoreValidity && (now < info.notBefore || now > info.notAfter)) {
    throw new NetError('NET_BAD_CERT', 'the peer certificate is outside its validity period', {
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    })
  }
  if (opts.expectedUsage !== undefined && info.usage !== opts.expectedUsage) {
    throw new NetError('NET_WRONG_USAGE', `the peer certificate usage is not "${opts.expectedUsage}"`, {
      expected: opts.expectedUsage,
      actual: info.usage ?? '',
    })
  }
  let attestation: Attestation
  if (info.attestation) {
    try {
      attestation = decodeVersionedAttestation(info.attestation)
    } catch (cause) {
      const reason = cause instanceof CustosError ? cause.code : 'decode'
      throw new NetError('NET_PEER_REJECTED', 'the RA-TLS attestation extension does not decode', { reason }, { cause })
    }
  } else if (info.legacy) {
    attestation = legacyToAttestation(info.legacy.quote, info.legacy.eventLog)
  } else {
    throw new NetError('NET_NO_ATTESTATION', 'the peer certificate carries no RA-TLS attestation')
  }
  const expected = raTlsReportData(info.spki)
  if (!equalBytes(attestation.reportData, expected)) {
    throw new NetError('NET_BINDING_MISMATCH', 'evidence is not bound to this TLS key')
  }
  let identity: Identity
  try {
    identity = await verifier.verify(attestation, { now, expectedReportData: expected })
  } catch (cause) {
    const reason = cause instanceof CustosError ? cause.code : 'verifier'
    if (reason === 'ATTESTATION_REPORT_DATA_MISMATCH' || reason === 'DCAP_REPORT_DATA_MISMATCH') {
      throw new NetError('NET_BINDING_MISMATCH', 'evidence is not bound to this TLS key', { reason }, { cause })
    }
    throw new NetError('NET_PEER_REJECTED', 'the peer attestation was rejected', { reason }, { cause })
  }
  if (!equalBytes(identity.reportData, expected)) {
    throw new NetError('NET_BINDING_MISMATCH', 'evidence is not bound to this TLS key')
  }
  const out: RaTlsVerified = { identity, spki: info.spki }
  if (info.usage !== undefined) out.usage = info.usage
  if (info.appId) out.appId = info.appId
  return out
}
