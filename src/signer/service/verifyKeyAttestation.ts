import { decodeVersionedAttestation, type EvidenceVerifier, type Identity } from '../../attestation/index.js'
import { equalBytes, fromHex } from '../../crypto/index.js'
import { blsKeyReportData } from '../keys/index.js'
import { SignerServiceError } from './errors.js'
import { pubkeyHex } from './pubkeyHex.js'

/**
 * Check a key attestation as a client would: decode the VersionedAttestation, require its report_data to be
 * `blsKeyReportData(pubkey)`, and verify the evidence (quote chain, measurements) with `verifier`. Returns the
 * attested identity of the TEE that holds the key; the caller compares it with the measurements it trusts.
 * Throws SIGNER_BAD_REQUEST when the attestation binds another key, or the verifier's AttestationError.
 */
export async function verifyKeyAttestation(
  input: { pubkey: string; attestation: string },
  verifier: EvidenceVerifier,
  nowSeconds: number,
): Promise<Identity> {
  const publicKey = fromHex(pubkeyHex(input.pubkey))
  const expected = blsKeyReportData(publicKey)
  const attestation = decodeVersionedAttestation(fromHex(input.attestation))
  if (!equalBytes(attestation.reportData, expected)) {
    throw new SignerServiceError('SIGNER_BAD_REQUEST', 'the attestation does not commit to this public key')
  }
  return verifier.verify(attestation, { now: nowSeconds, expectedReportData: expected })
}
