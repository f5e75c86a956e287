/**
 * Slashing-protection vocabulary (internal shapes: bytes are Uint8Array, u64 values are bigint).
 *
 * Strategies, as the EIP-3076 test suite (eth-clients/slashing-protection-interchange-tests v5.3.0) defines them:
 * - `minimal` (`should_succeed`): only the latest messages count. A block must have `slot > max(slot)`; an
 *   attestation must have `source >= max(source)` and `target > max(target)`, maxima taken over everything imported
 *   and signed. No re-signing, not even of identical data.
 * - `complete` (`should_succeed_complete`): the full history counts. Refuse double blocks / double votes (identical
 *   non-null signing root = same data, allowed and not re-inserted), surround votes in either direction, and the
 *   EIP-3076 import conditions: `slot <= min(imported slot)`, `source < min(imported source)`,
 *   `target <= min(imported target)` (low watermarks, lowered by each import, never raised).
 * Both strategies keep every record, so switching strategy on an existing database never opens a gap.
 */
export type SlashingStrategy = 'minimal' | 'complete'

/** Result of an allowed check: the message was recorded, or it repeats recorded data and was not re-inserted. */
export type SignOutcome = 'recorded' | 'same_data'

/** One message of a group commit (`SlashingProtection.checkAndRecordBatch`). */
export type SlashingCheck =
  | { kind: 'block'; pubkey: Uint8Array; slot: bigint; signingRoot: Uint8Array }
  | { kind: 'attestation'; pubkey: Uint8Array; source: bigint; target: bigint; signingRoot: Uint8Array }

/** Per-message result of a group commit: allowed (and durable once the call returns), or the refusal. */
export type SlashingCheckResult = { ok: true; outcome: SignOutcome } | { ok: false; error: unknown }

export interface SignedBlockRecord {
  slot: bigint
  /** null when unknown (imported without signing_root, or conflicting roots merged on import). */
  signingRoot: Uint8Array | null
}

export interface SignedAttestationRecord {
  sourceEpoch: bigint
  targetEpoch: bigint
  signingRoot: Uint8Array | null
}

/** Lowest values ever imported for a key (EIP-3076 conditions 2, 4, 5); null = nothing of that kind imported. */
export interface LowWatermarks {
  minBlockSlot: bigint | null
  minSourceEpoch: bigint | null
  minTargetEpoch: bigint | null
}

/**
 * Web3Signer's high watermark (openapi-specs/eth2/signing/paths/high_watermark.yaml): one epoch and slot for all
 * keys, set by the operator (Web3Signer: `watermark-repair --set-high-watermark`). Only blocks with
 * `slot < slot` and attestations with `source < epoch` and `target < epoch` may be signed while it is set.
 */
export interface HighWatermark {
  epoch: bigint
  slot: bigint
}

/** One validator's history, as parsed from or serialised to an interchange document. */
export interface ValidatorHistory {
  pubkey: Uint8Array
  signedBlocks: SignedBlockRecord[]
  signedAttestations: SignedAttestationRecord[]
}

/** EIP-3076 interchange v5, internal form. */
export interface Interchange {
  genesisValidatorsRoot: Uint8Array
  data: ValidatorHistory[]
}

export interface ImportSummary {
  validators: number
  blocks: number
  attestations: number
}
