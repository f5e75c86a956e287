/** The DKG session's vocabulary: round names, parameters, outcome. */
import type { SecretBytes } from '../../crypto/index.js'
import type { KeyPackage, KeyShare } from '../frost/keyPackage.js'
import type { ResharePlan } from '../reshare/planReshare.js'
import type { ParticipantId, Rng, SchemeId } from '../types.js'

export const DKG_ROUNDS = {
  round1: 'dkg/round1',
  echo: 'dkg/echo',
  share: 'dkg/share',
  status: 'dkg/status',
} as const
export type DkgRound = (typeof DKG_ROUNDS)[keyof typeof DKG_ROUNDS]

export interface DkgParticipant {
  readonly id: ParticipantId
  /** the member's node public key, as `verify` takes it (Ed25519 32 bytes for Custos nodes) */
  readonly nodeKey: Uint8Array
}

export interface DkgParameters {
  scheme: SchemeId
  epoch: bigint
  /** 32-byte joint session id, fresh per attempt (e.g. a hash of every member's random contribution) */
  sessionId: Uint8Array
  participants: readonly DkgParticipant[]
  /** t of the key being generated */
  threshold: number
  me: ParticipantId
  /** this member's secret randomness */
  rng: Rng
  /** sign with this node's key (the share statements of the dealer) */
  sign(statement: Uint8Array): Uint8Array
  /** verify another node's signature; must not throw */
  verify(nodeKey: Uint8Array, statement: Uint8Array, signature: Uint8Array): boolean
  /** a resharing: the public plan and, when this member deals, its λ_i·s_i (reshareSecret) */
  reshare?: { plan: ResharePlan; secret?: SecretBytes }
}

export type DkgFault = 'bad-round1' | 'bad-share' | 'false-complaint'
export interface DkgFinding {
  readonly participant: ParticipantId
  readonly fault: DkgFault
}

export type DkgOutcome =
  | {
      kind: 'done'
      groupPublicKey: Uint8Array
      verifyingShares: ReadonlyMap<ParticipantId, Uint8Array>
      myShare: SecretBytes
      transcriptHash: Uint8Array
      /** the same, ready to sign with */
      keyPackage: KeyPackage
      keyShare: KeyShare
    }
  | { kind: 'restart'; exclude: ParticipantId[]; findings: DkgFinding[] }
  | {
      kind: 'abort'
      reason: 'split-view' | 'too-few-remain'
      /** members to exclude (too-few-remain) */
      culprits: ParticipantId[]
      /** members whose echo differs from ours (split-view) */
      disagreeing: ParticipantId[]
      findings: DkgFinding[]
    }
