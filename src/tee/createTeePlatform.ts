import type { Logger } from '../log.js'
import { TeeError } from './errors.js'
import { SimulatedTee } from './simulated.js'
import { provisionSimulatedMachine } from './simulatedMachine.js'
import { loadOrCreateSimulatedVendor } from './simulatedVendor.js'
import type { SimulatedWorkloadOptions } from './simulatedWorkload.js'
import type { TeePlatform } from './types.js'

export const TEE_DRIVERS = ['simulated', 'tdx-tsm', 'gramine', 'dstack', 'nsm'] as const
export type TeeDriver = (typeof TEE_DRIVERS)[number]

export interface TeeConfig {
  /** `[tee] platform` */
  driver: TeeDriver | (string & {})
  simulated?: {
    /** holds INSECURE-simulated-root-ca.key + simulated-root-ca.pem */
    vendorDir: string
    /** holds the machine's PCK cert/key, PPID, attestation key and sealing secret */
    machineDir: string
    workload: SimulatedWorkloadOptions
  }
}

/** Build the configured TEE driver. Only `simulated` exists in this build; real drivers land later. */
export async function createTeePlatform(config: TeeConfig, opts: { logger?: Logger } = {}): Promise<TeePlatform> {
  if (config.driver === 'simulated') {
    const s = config.simulated
    if (!s)
      throw new TeeError('TEE_INVALID_CONFIG', 'the simulated TEE needs vendorDir, machineDir and a workload', {
        driver: 'simulated',
      })
    const vendor = await loadOrCreateSimulatedVendor(s.vendorDir)
    const machine = await provisionSimulatedMachine({ vendor, dir: s.machineDir })
    return new SimulatedTee({ machine, workload: s.workload, ...(opts.logger ? { logger: opts.logger } : {}) })
  }
  if ((TEE_DRIVERS as readonly string[]).includes(config.driver))
    throw new TeeError(
      'TEE_DRIVER_UNAVAILABLE',
      `TEE driver "${config.driver}" is not available yet in this build; use "simulated" for development`,
      { driver: config.driver },
    )
  throw new TeeError(
    'TEE_INVALID_CONFIG',
    `unknown TEE driver "${config.driver}" (expected one of ${TEE_DRIVERS.join(', ')})`,
    { driver: config.driver },
  )
}
