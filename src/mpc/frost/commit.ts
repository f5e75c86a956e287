/**
 * Member, round one (RFC 9591 §5.1 `commit`): a fresh nonce pair and its public commitments, via noble.
 * The nonces come back as 64 secret bytes (hiding ‖ binding) that the caller seals to disk before the
 * commitment leaves the node, and passes to `signShare` at most once (which wipes them).
 */
import { SecretBytes } from '../../crypto/index.js'
import { nobleRng } from '../rng.js'
import type { Rng } from '../types.js'
import { ciphersuiteOf } from './ciphersuite.js'
import type { SigningCommitment } from './commitments.js'
import { internalsOf, type KeyShare } from './keyPackage.js'
import { rememberOwnPoint } from './pointCache.js'

export interface CommitResult {
  /** hiding nonce ‖ binding nonce (2 × 32 bytes, scheme byte order) */
  nonces: SecretBytes
  commitment: SigningCommitment
}

export function commit(share: KeyShare, rng: Rng): CommitResult {
  const { suite, identifiers } = internalsOf(share.package)
  const identifier = identifiers.get(share.participant)!
  // noble mixes the share into the nonce hash (RFC 9591 §4.1 nonce_generate); it is only read here
  const { nonces, commitments } = suite.frost.commit(
    { identifier, signingShare: share.signingShare.expose() },
    nobleRng(rng),
  )
  const packed = new Uint8Array(64)
  packed.set(nonces.hiding, 0)
  packed.set(nonces.binding, 32)
  nonces.hiding.fill(0)
  nonces.binding.fill(0)
  // Our own commitment points are valid by construction (nonce·G): remember them, so that signShare and the
  // coordinator's aggregate in this process skip decoding them (and, for Ed25519, the torsion check).
  const cs = ciphersuiteOf(suite.scheme)
  for (const bytes of [commitments.hiding, commitments.binding]) rememberOwnPoint(suite, bytes, cs.decodeOwn(bytes))
  return {
    nonces: new SecretBytes(packed),
    commitment: { participant: share.participant, hiding: commitments.hiding, binding: commitments.binding },
  }
}
