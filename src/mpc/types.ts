/** The vocabulary of the threshold-signing layer. Bytes are Uint8Array; hex exists only at the edges. */

/**
 * Signature schemes a committee domain can use (issue 13):
 * - `Ed25519`: FROST(Ed25519, SHA-512), RFC 9591 §6.1; signatures are plain RFC 8032 Ed25519.
 * - `Secp256k1Frost`: FROST(secp256k1, SHA-256), RFC 9591 §6.5; 65-byte signatures (compressed R ‖ z).
 * - `Bip340`: FROST(secp256k1, SHA-256) with BIP-340 challenge and even-Y rules (frost-secp256k1-tr);
 *   signatures are plain 64-byte BIP-340 Schnorr signatures over x-only keys.
 */
export type SchemeId = 'Ed25519' | 'Secp256k1Frost' | 'Bip340'

/**
 * A committee member's participant id (u32, as in the CustosCommittee contract and NEAR, starting at 0).
 * Its FROST identifier is the scalar id + 1 (near-mpc.md §4.1), so id 0 is valid.
 */
export type ParticipantId = number

/** Source of secret randomness: returns `length` fresh random bytes (noble's `RNG`). Never Math.random. */
export type Rng = (length?: number) => Uint8Array

/**
 * A protocol payload to send: the transport wraps it in its authenticated envelope (epoch, session id,
 * round, sender, node-key signature) and delivers it to one participant or to every other participant.
 */
export type ProtocolMessage = { round: string; to: ParticipantId | 'all'; payload: Uint8Array }
