import { defineErrors } from '../errors.js'

export const TeeError = defineErrors('TeeError', {
  /** the configured driver exists in the design but is not implemented in this build */
  TEE_DRIVER_UNAVAILABLE: 500,
  /** unknown driver name or bad driver options */
  TEE_INVALID_CONFIG: 500,
  /** report_data passed to attest() is not 64 bytes */
  TEE_BAD_REPORT_DATA: 400,
  /** simulated vendor/machine files are unreadable, corrupt or have unsafe permissions */
  TEE_SIMULATED_FILES: 500,
  /** a boot-stage measurement came too late (boot already complete) or an app event came before it */
  TEE_BOOT_STAGE: 409,
})
export type TeeError = InstanceType<typeof TeeError>
