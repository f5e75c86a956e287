import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import {
  DEFAULT_DSTACK_SOCKET,
  DEFAULT_GRAMINE_DIR,
  DEFAULT_NSM_HELPER,
  DEFAULT_TSM_DIR,
  DstackAgentDriver,
  type DstackAgentDriverOptions,
  GramineDriver,
  type GramineDriverOptions,
  NsmDriver,
  type NsmDriverOptions,
  TdxTsmDriver,
  type TdxTsmDriverOptions,
} from './drivers/index.js'
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
    /** the simulated vendor: INSECURE-*.key files, its root / PCK CA / TCB signing certificates, collateral/ */
    vendorDir: string
    /** holds the machine's PCK cert/key, PPID, attestation key and sealing secret */
    machineDir: string
    workload: SimulatedWorkloadOptions
  }
  /** `tdx-tsm`: `[tee] tsm_dir`, `rtmr3_path` (+ a KMS sealing-key provider if the node needs one) */
  tdxTsm?: Omit<TdxTsmDriverOptions, 'logger'>
  /** `gramine`: `[tee] gramine_dir`, `gramine_sealing_policy` */
  gramine?: GramineDriverOptions
  /** `dstack`: `[tee] dstack_socket`, `dstack_platform` */
  dstack?: DstackAgentDriverOptions
  /** `nsm`: `[tee] nsm_helper` (+ a KMS sealing-key provider if the node needs one) */
  nsm?: NsmDriverOptions
}

/** Build the configured TEE driver (real drivers touch no device until their first attest()/sealingKey()). */
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
  switch (config.driver) {
    case 'tdx-tsm': {
      const dir = config.tdxTsm?.tsmDir ?? DEFAULT_TSM_DIR
      await probe('tdx-tsm', dir, 'configfs-tsm (a TDX guest on Linux ≥ 6.7 with CONFIG_TSM_REPORTS)')
      return new TdxTsmDriver({ ...config.tdxTsm, ...(opts.logger ? { logger: opts.logger } : {}) })
    }
    case 'gramine': {
      const dir = config.gramine?.attestationDir ?? DEFAULT_GRAMINE_DIR
      await probe('gramine', join(dir, 'quote'), "Gramine's /dev/attestation (run inside a Gramine SGX enclave)")
      return new GramineDriver(config.gramine)
    }
    case 'dstack':
      await probe('dstack', config.dstack?.socketPath ?? DEFAULT_DSTACK_SOCKET, 'the dstack guest agent socket')
      return new DstackAgentDriver(config.dstack)
    case 'nsm':
      await probe('nsm', config.nsm?.helperPath ?? DEFAULT_NSM_HELPER, 'the NSM helper executable')
      return new NsmDriver(config.nsm)
  }
  throw new TeeError(
    'TEE_INVALID_CONFIG',
    `unknown TEE driver "${config.driver}" (expected one of ${TEE_DRIVERS.join(', ')})`,
    { driver: config.driver },
  )
}

/** Fail fast at startup when the driver's interface is absent (a node without its TEE must not start). */
async function probe(driver: string, path: string, what: string): Promise<void> {
  try {
    await access(path)
  } catch {
    throw new TeeError(
      'TEE_DRIVER_UNAVAILABLE',
      `TEE driver "${driver}" needs ${what}, but ${path} does not exist on this machine; use "simulated" for development`,
      { driver, path },
    )
  }
}
