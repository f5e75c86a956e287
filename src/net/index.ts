export { checkHostHeader, isJsonContentType, isLoopbackHost, requireJsonContentType } from './browserGuard.js'
export { createAttestedCert } from './createAttestedCert.js'
export type {
  AttestedClient,
  AttestedClientOptions,
  AttestedRequestInit,
  AttestedResponse,
} from './createAttestedClient.js'
export { createAttestedClient } from './createAttestedClient.js'
export type { CreateRaTlsCertificateParameters } from './createRaTlsCertificate.js'
export { createRaTlsCertificate, raTlsExtensions } from './createRaTlsCertificate.js'
export type { RaTlsIdentity } from './createRaTlsIdentity.js'
export { createRaTlsIdentity } from './createRaTlsIdentity.js'
export type { NetErrorCode } from './errors.js'
export { NetError } from './errors.js'
export { fetchPeerCertificate } from './fetchPeerCertificate.js'
export type {
  CachedItem,
  CollateralTarget,
  PccsClient,
  PccsClientOptions,
  PccsErrorCode,
  PccsTee,
  PckCa,
} from './pccs/index.js'
export {
  CollateralCache,
  collateralProviderFor,
  collateralTargetOf,
  createPccsClient,
  INTEL_PCS_URL,
  INTEL_ROOT_CA_CRL_URL,
  PccsError,
} from './pccs/index.js'
export type {
  AuthorizePeer,
  BroadcastResult,
  DecodedEnvelope,
  DropReason,
  EnvelopeInput,
  NodeSigner,
  OutgoingMessage,
  ParticipantId,
  PeerEnvelope,
  PeerErrorCode,
  PeerLimits,
  PeerMember,
  PeerMetrics,
  PeerNetworkOptions,
  PeerNetworkStats,
  ReceivedEnvelope,
  RecvOptions,
  SendOptions,
} from './peer/index.js'
export {
  createNodeSigner,
  createPeerMetrics,
  DEFAULT_PEER_LIMITS,
  DROP_REASONS,
  decodeEnvelope,
  ENVELOPE_SIGNING_DOMAIN,
  ENVELOPE_VERSION,
  encodeEnvelopeBody,
  envelopeSigningInput,
  nodeKeyVerifier,
  PeerError,
  PeerNetwork,
  RECIPIENT_ALL,
  signEnvelope,
  verifyEnvelope,
} from './peer/index.js'
export type { PeerVerifierOptions } from './peerVerifier.js'
export { PeerVerifier } from './peerVerifier.js'
export { decodeRaTlsExtensionValue, encodeRaTlsExtensionValue } from './raTlsExtension.js'
export { legacyToAttestation } from './raTlsLegacy.js'
export type { RaTlsUsage } from './raTlsOids.js'
export { RATLS_OID, RATLS_USAGES } from './raTlsOids.js'
export { raTlsReportData } from './raTlsReportData.js'
export type { RaTlsCertificateInfo } from './readRaTlsCertificate.js'
export { readRaTlsCertificate } from './readRaTlsCertificate.js'
export type { AttestedServer } from './serverCertificateCheck.js'
export type { ServiceUrl } from './serviceUrl.js'
export { parseServiceUrl, redactUrl } from './serviceUrl.js'
export type { TlsServerOptionsParameters } from './tlsServerOptions.js'
export { tlsServerOptions } from './tlsServerOptions.js'
export type { PeerIdentity } from './types.js'
export type { RaTlsVerified, VerifyRaTlsOptions } from './verifyRaTlsCertificate.js'
export { verifyRaTlsCertificate } from './verifyRaTlsCertificate.js'
