/** The running committee (orchestration over the peer transport and the sealed stores). */
export type { AllowCheck, AllowRule } from './allowList.js'
export { createAllowCheck } from './allowList.js'
export type { MpcApiOptions } from './api.js'
export { createMpcApp, payloadOf, SignBody, signatureJson } from './api.js'
export type { Committee, CommitteeDomain, CommitteeMember } from './committeeFile.js'
export { parseCommittee, readCommitteeFile } from './committeeFile.js'
export type {
  CommitteeServiceOptions,
  CommitteeStatus,
  CommitteeTransport,
  DomainStatus,
  KeysActivated,
  SignRequest,
  SignResult,
} from './committeeService.js'
export { CONTROL_SESSION, CommitteeService, checkPayload, peerMembersOf } from './committeeService.js'
export { CommitteeError } from './errors.js'
export type { LeaveOutcome } from './leaveCommittee.js'
export { leaveCommittee } from './leaveCommittee.js'
