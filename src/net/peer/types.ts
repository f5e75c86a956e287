import type { PeerIdentity } from '../types.js'

/** Participant id of a committee member: u32, 0xffffffff excluded (it encodes "all" on the wire). */
export type ParticipantId = number

/** One protocol message between committee members (what is signed; see `envelope.ts` for the bytes). */
export interface PeerEnvelope {
  /** u64 */
  epoch: bigint
  /** 32 bytes */
  sessionId: Uint8Array
  /** round name, 1–64 bytes of [A-Za-z0-9_.:/-] */
  round: string
  sender: ParticipantId
  recipient: ParticipantId | 'all'
  /** u64, set by the sender's transport: increasing per sender, also across restarts */
  seq: bigint
  payload: Uint8Array
}

/** An envelope that passed every inbound check. */
export interface ReceivedEnvelope extends PeerEnvelope {
  /** Ed25519 signature of the sender's node key over the envelope (`envelopeSigningInput`) */
  signature: Uint8Array
  /**
   * The whole signed envelope as received: anyone holding the sender's node key can check it with
   * `verifyEnvelope`, so it serves as a proof of what the sender said (e.g. a DKG complaint).
   */
  raw: Uint8Array
}

/** A committee member as the transport needs it (one epoch's member table is a list of these). */
export interface PeerMember {
  id: ParticipantId
  /** Ed25519 node public key (32 bytes): checks this member's envelopes and its TLS endorsement */
  nodeKey: Uint8Array
  /** where its peer server listens: `https://host:port` */
  url: string
  /**
   * Optional pin: SPKI DER of the TLS key this member must present (its registered p2p/TLS key). Without it the
   * member is recognised by the node-key endorsement in its RA-TLS certificate (`createPeerTlsIdentity`).
   */
  tlsSpki?: Uint8Array
}

/**
 * Decide whether an attested, recognised member may talk to this node (the caller applies policy role `mpc`
 * here). `true` allows; `false` or a string (the reason, logged) refuses. Called once per connection.
 */
export type AuthorizePeer = (peer: PeerIdentity, member: PeerMember) => boolean | string | Promise<boolean | string>

/** Why an inbound connection or message was refused (label of the drop counter, field of the warn log). */
export type DropReason =
  | 'not_member'
  | 'attestation'
  | 'unauthorized'
  | 'wrong_sender'
  | 'bad_signature'
  | 'wrong_epoch'
  | 'wrong_recipient'
  | 'malformed'
  | 'oversize'
  | 'replayed'
  | 'backpressure'
  | 'session_closed'

/** Every drop reason with the HTTP status a refused hello is answered with (envelopes get ack codes, frames.ts). */
export const DROP_STATUS: Readonly<Record<DropReason, number>> = {
  not_member: 403,
  attestation: 403,
  unauthorized: 403,
  wrong_sender: 403,
  bad_signature: 403,
  wrong_epoch: 409,
  wrong_recipient: 409,
  malformed: 400,
  oversize: 413,
  replayed: 409,
  backpressure: 429,
  session_closed: 410,
}

export const DROP_REASONS = Object.keys(DROP_STATUS) as DropReason[]

/** Bounds and timings of a `PeerNetwork`; every field has a default (`DEFAULT_PEER_LIMITS`). */
export interface PeerLimits {
  /** largest payload accepted or sent (bytes) */
  maxPayloadBytes: number
  /** messages waiting in one (epoch, session) inbound queue */
  maxQueuedPerSession: number
  /** payload bytes waiting in all inbound queues together */
  maxQueuedBytes: number
  /** (epoch, session) queues alive at once */
  maxSessions: number
  /** a queue nobody reads and nothing arrives in for this long is dropped (ms) */
  sessionIdleMs: number
  /** messages waiting or in flight towards one member */
  maxOutboundPerPeer: number
  /** remembered (sender, epoch, session, round, seq) keys per sender for duplicate suppression */
  replayWindowPerSender: number
  /** attempts per message (a connection failure or 429 is retried; any other refusal is not) */
  sendAttempts: number
  /** deadline of one `send` including retries (ms) */
  sendTimeoutMs: number
  /** TLS connect + attestation check + hello (ms) */
  connectTimeoutMs: number
  /** reconnect backoff: first delay, doubling up to the max, ±20% jitter (ms) */
  backoffBaseMs: number
  backoffMaxMs: number
  /** HTTP/2 PING interval on idle outbound connections; a missed PING closes the connection (ms) */
  pingIntervalMs: number
  /** warn logs per drop reason: `dropLogBurst` at once, then one per `dropLogIntervalMs` (the rest are counted) */
  dropLogBurst: number
  dropLogIntervalMs: number
}

export const DEFAULT_PEER_LIMITS: Readonly<PeerLimits> = {
  maxPayloadBytes: 1024 * 1024,
  maxQueuedPerSession: 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxSessions: 4096,
  sessionIdleMs: 5 * 60_000,
  maxOutboundPerPeer: 1024,
  replayWindowPerSender: 65_536,
  sendAttempts: 5,
  sendTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  backoffBaseMs: 50,
  backoffMaxMs: 5_000,
  pingIntervalMs: 5_000,
  dropLogBurst: 10,
  dropLogIntervalMs: 1_000,
}
