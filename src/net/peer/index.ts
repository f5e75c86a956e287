export type { DecodedEnvelope, EnvelopeInput } from './envelope.js'
export {
  decodeEnvelope,
  ENVELOPE_SIGNING_DOMAIN,
  ENVELOPE_VERSION,
  encodeEnvelopeBody,
  envelopeSigningInput,
  RECIPIENT_ALL,
  signEnvelope,
  verifyEnvelope,
} from './envelope.js'
export type { PeerErrorCode } from './errors.js'
export { PeerError } from './errors.js'
export type { NodeSigner } from './nodeKey.js'
export { createNodeSigner, nodeKeyVerifier } from './nodeKey.js'
export type { PeerMetrics } from './peerMetrics.js'
export { createPeerMetrics } from './peerMetrics.js'
export type {
  BroadcastResult,
  OutgoingMessage,
  PeerNetworkOptions,
  PeerNetworkStats,
  RecvOptions,
  SendOptions,
} from './peerNetwork.js'
export { PeerNetwork } from './peerNetwork.js'
export type {
  AuthorizePeer,
  DropReason,
  ParticipantId,
  PeerEnvelope,
  PeerLimits,
  PeerMember,
  ReceivedEnvelope,
} from './types.js'
export { DEFAULT_PEER_LIMITS, DROP_REASONS } from './types.js'
