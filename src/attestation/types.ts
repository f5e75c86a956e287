/**
 * The vocabulary every attestation verifier returns and every policy decision uses
 * (ARCHITECTURE.md "Identity"). Bytes are Uint8Array; empty arrays mean "absent".
 */

/** Which evidence format produced an identity. `simulated` is the insecure dev platform. */
export type Platform = 'sgx' | 'tdx' | 'nitro' | 'simulated'

/** Intel PCS TCB statuses, worst last; '' where the platform has none (Nitro). */
export const TCB_STATUSES = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
] as const
export type TcbStatus = (typeof TCB_STATUSES)[number] | ''

/** Raw measurement registers, kept for policy and display. Only those of the platform are set. */
export interface Measurements {
  /** SGX */
  mrEnclave?: Uint8Array
  mrSigner?: Uint8Array
  isvProdId?: number
  isvSvn?: number
  /** TDX (and simulated, which uses the TDX layout) */
  mrTd?: Uint8Array
  rtmr?: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  mrConfigId?: Uint8Array
  mrOwner?: Uint8Array
  mrOwnerConfig?: Uint8Array
  mrSeam?: Uint8Array
  teeTcbSvn?: Uint8Array
  /** raw device id behind Identity.deviceId: the PPID (SGX/TDX), the module id prefix (Nitro) */
  rawDeviceId?: Uint8Array
  /** Nitro PCR index → value */
  pcrs?: Record<number, Uint8Array>
}

export interface Identity {
  platform: Platform
  tcbStatus: TcbStatus
  advisoryIds: string[]
  debug: boolean
  /** dstack mr_aggregated (32 bytes) */
  mrAggregated: Uint8Array
  /** dstack mr_system (32 bytes) */
  mrSystem: Uint8Array
  /** 32 bytes, or empty when unknown */
  osImageHash: Uint8Array
  /** 32 bytes */
  composeHash: Uint8Array
  /** 20 bytes (empty if the workload did not measure one) */
  appId: Uint8Array
  /** 20 bytes or empty */
  instanceId: Uint8Array
  /** sha256(raw device id), 32 bytes */
  deviceId: Uint8Array
  /** payload of the `key-provider` runtime event, or empty */
  keyProviderInfo: Uint8Array
  /** the 64 bytes the evidence commits to */
  reportData: Uint8Array
  measurements: Measurements
}

/** One RTMR3 runtime event (dstack cc-eventlog runtime_events.rs). */
export interface RuntimeEvent {
  event: string
  payload: Uint8Array
}

/** One TDX event-log entry as dstack carries it (SCALE `TdxEvent`). */
export interface TdxEvent {
  imr: number
  eventType: number
  digest: Uint8Array
  event: string
  eventPayload: Uint8Array
}

/**
 * Platform evidence inside dstack's `VersionedAttestation` (dstack-kms.md §6.3). Closed set, tagged by `type`.
 */
export type Quote = { type: 'tdx'; quote: Uint8Array; eventLog: TdxEvent[] } | { type: 'nitro'; nsmQuote: Uint8Array }

/** Decoded `VersionedAttestation` (V0 SCALE or V1 msgpack on the wire). */
export interface Attestation {
  quote: Quote
  runtimeEvents: RuntimeEvent[]
  reportData: Uint8Array
  /** vm_config JSON string (carries os_image_hash) */
  config: string
}

export interface VerifyOptions {
  /** Unix seconds at which certificates, CRLs and collateral must be valid. */
  now: number
  /** When set, the evidence's report_data must equal these 64 bytes. */
  expectedReportData?: Uint8Array
  /**
   * Compute mr_aggregated from the runtime events up to `boot-mr-done` only (dstack's boot-time MR, used for
   * SignCert), instead of all events presented (runtime MR, used for GetAppKey/GetKmsKey).
   */
  bootTimeMr?: boolean
}

/**
 * A verifier turns evidence into an Identity or throws an AttestationError with a reason.
 * The simulated, DCAP and Nitro verifiers all implement this; `createVerifier` composes them.
 */
export interface EvidenceVerifier {
  verify(attestation: Attestation, opts: VerifyOptions): Promise<Identity>
}
