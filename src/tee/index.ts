export type { TeeConfig, TeeDriver } from './createTeePlatform.js'
export { createTeePlatform, TEE_DRIVERS } from './createTeePlatform.js'
export type {
  DetectedPlatform,
  DetectPlatformOptions,
  DriverIo,
  DstackAgentDriverOptions,
  GramineDriverOptions,
  GramineSealingPolicy,
  NsmDriverOptions,
  TdxTsmDriverOptions,
  TeeDriverErrorCode,
} from './drivers/index.js'
export {
  DEFAULT_DSTACK_SOCKET,
  DEFAULT_GRAMINE_DIR,
  DEFAULT_NSM_DEVICE,
  DEFAULT_NSM_HELPER,
  DEFAULT_RTMR3_PATH,
  DEFAULT_TSM_DIR,
  DSTACK_SOCKETS,
  DstackAgentDriver,
  detectPlatform,
  GramineDriver,
  NsmDriver,
  nodeDriverIo,
  TdxTsmDriver,
  TeeDriverError,
} from './drivers/index.js'
export { TeeError } from './errors.js'
export type { SimulatedTeeOptions } from './simulated.js'
export { SimulatedTee } from './simulated.js'
export type { ProvisionSimulatedMachineInput, SimulatedMachine } from './simulatedMachine.js'
export { MACHINE_FILES, provisionSimulatedMachine, provisionSimulatedMachineInMemory } from './simulatedMachine.js'
export type { SimulatedVendor } from './simulatedVendor.js'
export {
  createSimulatedVendorInMemory,
  loadOrCreateSimulatedVendor,
  loadSimulatedTrustAnchor,
  VENDOR_CERT_FILE,
  VENDOR_FILES,
  VENDOR_KEY_FILE,
} from './simulatedVendor.js'
export type { ResolvedWorkload, SimulatedWorkloadOptions } from './simulatedWorkload.js'
export { resolveWorkload, simulatedBootEvents } from './simulatedWorkload.js'
export type { TeePlatform } from './types.js'
