export type {
  Attestation,
  EvidenceVerifier,
  Identity,
  Measurements,
  Platform,
  Quote,
  RuntimeEvent,
  TcbStatus,
  TdxEvent,
  VerifyOptions,
} from './types.js'
export { TCB_STATUSES } from './types.js'
