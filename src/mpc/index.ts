/**
 * Threshold-signing protocol layer: NEAR chain-signature derivation, FROST signing (RFC 9591, via
 * @noble/curves) for Ed25519 / secp256k1 / BIP-340, DKG sessions with echo and provable complaints, and
 * resharing. Pure functions and state machines over bytes: no I/O, no clock, randomness only as `rng`.
 * node/ drives it over the peer transport and seals what it returns.
 */
export type { BitcoinNetwork } from './derive/addresses.js'
export { BITCOIN_HRP, evmAddress, p2trAddress, p2wpkhAddress, solanaAddress } from './derive/addresses.js'
export type { DerivedChainKeys } from './derive/chainKeys.js'
export { chainKeysToJson, deriveChainKeys, parseRootKey } from './derive/chainKeys.js'
export { derivePublicKey, tweakScalar } from './derive/deriveKey.js'
export type { NearCurve } from './derive/nearKey.js'
export { formatNearPublicKey, parseNearPublicKey } from './derive/nearKey.js'
export { deriveTweak, TWEAK_PREFIX } from './derive/tweak.js'
export { createDkgSession, DkgSession } from './dkg/session.js'
export type {
  DkgFault,
  DkgFinding,
  DkgOutcome,
  DkgParameters,
  DkgParticipant,
  DkgRound,
} from './dkg/types.js'
export { DKG_ROUNDS } from './dkg/types.js'
export { MpcError, type MpcErrorCode } from './errors.js'
export type { AggregateResult } from './frost/aggregate.js'
export { aggregate } from './frost/aggregate.js'
export type { CommitResult } from './frost/commit.js'
export { commit } from './frost/commit.js'
export type { SigningCommitment } from './frost/commitments.js'
export { findBadCommitments } from './frost/commitments.js'
export { signingPublicKey } from './frost/derivedPackage.js'
export type { CreateKeyPackageParameters, KeyPackage, KeyShare } from './frost/keyPackage.js'
export { createKeyPackage, createKeyShare } from './frost/keyPackage.js'
export { decodeKeyPackage, encodeKeyPackage } from './frost/keyPackageCodec.js'
export type { SignatureShareMessage } from './frost/messages.js'
export {
  decodeSignatureShare,
  decodeSigningCommitment,
  encodeSignatureShare,
  encodeSigningCommitment,
} from './frost/messages.js'
export { signShare } from './frost/signShare.js'
export { verifySignature } from './frost/verifySignature.js'
export type { PlanReshareParameters, ResharePlan } from './reshare/planReshare.js'
export { planRefresh, planReshare, reshareSecret } from './reshare/planReshare.js'
// the running committee (orchestration; composed by node/)
export * from './service/index.js'
export { SCHEMES } from './suites.js'
export type { ParticipantId, ProtocolMessage, Rng, SchemeId } from './types.js'
