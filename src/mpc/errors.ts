import { defineErrors } from '../errors.js'

/**
 * Errors of the threshold-signing protocol layer (derivation, FROST signing, DKG, resharing). Input and peer
 * faults are 400; a refusal that protects key material (a nonce pair already consumed) is 409; fewer online
 * members than the threshold is 503. Messages name participants by id and byte fields by length only, never
 * shares, nonces or their hex.
 */
export const MpcError = defineErrors('MpcError', {
  /** An argument has the wrong type, length or range (field name in meta). */
  MPC_BAD_INPUT: 400,
  /** The scheme is not one of Ed25519, Secp256k1Frost, Bip340. */
  MPC_UNKNOWN_SCHEME: 400,
  /** A public key (root, group, verifying share) does not decode to a valid point of the scheme's group. */
  MPC_BAD_PUBLIC_KEY: 400,
  /** BE(tweak) ≥ n for secp256k1: NEAR rejects such a tweak (near-mpc.md §2.2, §7.2), so do we. */
  MPC_TWEAK_OUT_OF_RANGE: 400,
  /** The participant is not a member of the key package / DKG session. */
  MPC_NOT_PARTICIPANT: 400,
  /** A signing share does not match the verifying share its key package records for that participant. */
  MPC_SHARE_MISMATCH: 400,
  /** The signing commitment list is invalid: size outside [t, n], duplicates, unknown members, own one absent. */
  MPC_BAD_COMMITMENTS: 400,
  /** The nonce pair was already used (or wiped): a nonce signs at most once. */
  MPC_NONCES_USED: 409,
  /** Fewer participants than the threshold remain. */
  MPC_NOT_ENOUGH_PARTICIPANTS: 503,
  /** A protocol payload does not decode (truncated, trailing bytes, wrong lengths, unknown tag). */
  MPC_BAD_MESSAGE: 400,
  /** A well-formed message that the session cannot accept now: wrong sender, round, phase, or a conflicting copy. */
  MPC_UNEXPECTED_MESSAGE: 400,
  /** A dealer's signature over its private share message does not verify under its node key. */
  MPC_BAD_MESSAGE_SIGNATURE: 400,
  /** The resharing plan is impossible: too few remaining old members, a dealer outside the new set, … */
  MPC_BAD_RESHARE_PLAN: 400,
  /** The DKG session has already produced its outcome. */
  MPC_SESSION_FINISHED: 409,
  /** The underlying FROST library refused an operation we had validated (reported with its cause). */
  MPC_INTERNAL: 500,
})
export type MpcError = InstanceType<typeof MpcError>
export type MpcErrorCode = MpcError['code']
