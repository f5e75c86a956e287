import { defineErrors } from '../../errors.js'

/**
 * Committee peer-transport failures, as the local protocol code sees them. Messages name participant ids and
 * reasons, never payload bytes.
 */
export const PeerError = defineErrors('PeerError', {
  /** an envelope or outgoing message is not well formed (field type, length, round name, payload size) */
  PEER_BAD_MESSAGE: 400,
  /** the recipient is not a member of the current epoch (or is this node where that is not allowed) */
  PEER_NOT_MEMBER: 400,
  /** the member's server refused the message (meta.reason carries its drop reason) */
  PEER_REJECTED: 502,
  /** the member could not be reached within the send's attempts and deadline */
  PEER_UNREACHABLE: 502,
  /** no (matching) message arrived before the deadline */
  PEER_TIMEOUT: 504,
  /** too many messages are already waiting to go out to this member */
  PEER_OUTBOUND_FULL: 503,
  /** the epoch changed while waiting; the session belongs to an epoch this node no longer runs */
  PEER_EPOCH_CHANGED: 409,
  /** the session was closed locally */
  PEER_SESSION_CLOSED: 409,
  /** the network is shut down */
  PEER_CLOSED: 503,
})
export type PeerError = InstanceType<typeof PeerError>
export type PeerErrorCode = PeerError['code']
