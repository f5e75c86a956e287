export { canonicalAppCompose, isCanonicalAppCompose } from './appCompose.js'
export type { DstackAppInfo } from './appInfo.js'
export { appInfoFromIdentity, decodeAppInfo, encodeAppInfo, MAX_INIT_SCRIPTS } from './appInfo.js'
export type { DstackIdentityInput, TdRegisters, TdxMrs } from './identity.js'
export { composeHashOf, computeDstackIdentity, computeTdxMrs, defaultAppIdOf, mrKeyProviderOf } from './identity.js'
export type { QuoteContentTag } from './reportData.js'
export { quoteReportData } from './reportData.js'
export type { EventHash } from './runtimeEvents.js'
export {
  BOOT_MR_DONE,
  DSTACK_RUNTIME_EVENT_TYPE,
  findEventPayload,
  findEventPayloads,
  replayRuntimeEvents,
  runtimeEventDigest,
  runtimeEventPreimage,
  runtimeEventToTdxEvent,
  SYSTEM_READY,
} from './runtimeEvents.js'
export { stripAttestation, TDX_ACPI_DATA_EVENT_TYPE } from './stripAttestation.js'
export {
  ATTESTATION_QUOTE_VARIANTS,
  decodeVersionedAttestation,
  encodeVersionedAttestation,
  MAX_ATTESTATION_BYTES,
} from './versionedAttestation.js'
export { ATTESTATION_V1_VERSION, decodeAttestationV1, encodeAttestationV1 } from './versionedAttestationV1.js'
export { osImageHashFromConfig } from './vmConfig.js'
