import { defineErrors } from '../../errors.js'

/** Failures of the real TEE drivers (kernel, device or socket interfaces). */
export const TeeDriverError = defineErrors('TeeDriverError', {
  /** the TEE interface (configfs-tsm, /dev/attestation, dstack socket, NSM helper) is absent or refuses access */
  TEE_DEVICE_UNAVAILABLE: 503,
  /** reading or writing the TEE interface failed */
  TEE_DEVICE_IO: 500,
  /** another writer changed the configfs-tsm report while we used it (generation mismatch) */
  TEE_REPORT_RACE: 503,
  /** the platform returned evidence of the wrong kind, or not committing to our report_data */
  TEE_BAD_EVIDENCE: 502,
  /** the platform has no local sealing key and none is configured */
  TEE_NO_SEALING_KEY: 500,
  /** the dstack guest agent answered with an error or malformed JSON */
  TEE_AGENT_ERROR: 502,
  /** the NSM helper failed, timed out or spoke outside its protocol */
  TEE_HELPER_ERROR: 502,
  /** runtime-event extension of RTMR3 is unavailable (kernel without TSM measurements) */
  TEE_RTMR_UNAVAILABLE: 503,
})
export type TeeDriverError = InstanceType<typeof TeeDriverError>
export type TeeDriverErrorCode = TeeDriverError['code']
