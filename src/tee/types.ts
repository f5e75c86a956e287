import type { Attestation, Platform } from '../attestation/index.js'
import type { SecretBytes } from '../crypto/index.js'

/**
 * A TEE platform driver: the only code that talks to the enclave's kernel or socket interface.
 * Each driver is selected by config (`[tee] platform`). Drivers do I/O; everything they return is
 * verified by the matching `attestation/` verifier, never trusted as-is.
 */
export interface TeePlatform {
  /** driver name from config: simulated | tdx-tsm | gramine | dstack | nsm */
  readonly driver: string
  /** the Identity.platform its evidence verifies as */
  readonly platform: Platform
  /** true only for the insecure simulated platform */
  readonly simulated: boolean
  /** Evidence that commits to `reportData` (exactly 64 bytes), with this workload's event log. */
  attest(reportData: Uint8Array): Promise<Attestation>
  /** 32-byte key that only this workload identity on this machine can obtain. */
  sealingKey(): Promise<SecretBytes>
  /**
   * true while the boot measurement waits for this process to say where the workload's keys came from
   * (dstack's `key-provider` event, measured before `system-ready`); absent or false where the platform's
   * own boot stack measured it
   */
  readonly awaitingKeyProvider?: boolean
  /** measure the key provider (`{"name":"kms","id":…}`) and complete the boot measurement */
  recordKeyProvider?(info: Uint8Array): Promise<void>
  /**
   * Extend RTMR3 with an application runtime event and append it to the event log (dstack OS ≥ 0.5
   * `EmitEvent`); later evidence carries it. Absent where the platform has no runtime measurement register.
   */
  emitEvent?(event: string, payload: Uint8Array): void | Promise<void>
}
