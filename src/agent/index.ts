export type { AppAgentEndpoints, AppAgentOptions } from './appAgent.js'
export { AppAgent, createAppAgent, startAppAgent, tappdSocketPathFor } from './appAgent.js'
export type { AgentAppKeys } from './appKeys.js'
export { parseAppKeyReply } from './appKeys.js'
export type { AgentErrorCode } from './errors.js'
export { AgentError } from './errors.js'
export type { EventLogEntry } from './eventLog.js'
export { attestationFromQuoteReply, eventLogEntry, eventLogOf } from './eventLog.js'
export type { GetKeyReply } from './getKey.js'
export type { GuestApiOptions, GuestHandler, MethodMount } from './guestApi.js'
export {
  asciiJson,
  createGuestApi,
  createMethodApp,
  GUEST_API_REV,
  GUEST_API_VERSION,
  GUEST_METHODS,
  TAPPD_METHODS,
  tappdMethodName,
  trimMethodPrefix,
} from './guestApi.js'
export type { GuestContext } from './guestContext.js'
export type { InfoReply } from './info.js'
export type { AgentKmsClient, AgentKmsClientOptions } from './kmsClient.js'
export { createAgentKmsClient, kmsBaseUrl } from './kmsClient.js'
export type { KmsTrust } from './kmsTrust.js'
export {
  assertKmsTrust,
  authorizeKmsServer,
  checkAppKeyReply,
  kmsKeyProviderInfo,
  parseTrustKeys,
} from './kmsTrust.js'
export type { GetQuoteReply } from './quote.js'
export type { GuestListeners, GuestListenOptions } from './serveGuestApi.js'
export { serveGuestApi } from './serveGuestApi.js'
export type { SignReply } from './sign.js'
export { assertSimulatorPortAllowed } from './simulatorPort.js'
export type { DeriveK256KeyReply } from './tappdKey.js'
export { tappdDerivedScalar } from './tappdKey.js'
export type { TdxQuoteReply } from './tappdQuote.js'
export { DEFAULT_TAPPD_HASH, DEFAULT_TAPPD_PREFIX, tappdReportData } from './tappdQuote.js'
export type { GetTlsKeyReply } from './tlsKey.js'
export {
  createWorkerApi,
  handleGetAttestationForAppKey,
  handleWorkerInfo,
  publicTcbInfo,
  WORKER_METHODS,
  workerMethodName,
} from './workerApi.js'
