import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  type Attestation,
  BOOT_MR_DONE,
  buildSimulatedQuote,
  computeTdxMrs,
  type Platform,
  type RuntimeEvent,
  replayRuntimeEvents,
  runtimeEventToTdxEvent,
  SYSTEM_READY,
  simulatedMeasurement,
} from '../attestation/index.js'
import { concatBytes, SecretBytes, toHex, utf8ToBytes } from '../crypto/index.js'
import type { Logger } from '../log.js'
import { TeeError } from './errors.js'
import type { SimulatedMachine } from './simulatedMachine.js'
import {
  type ResolvedWorkload,
  resolveWorkload,
  type SimulatedWorkloadOptions,
  simulatedBootEvents,
} from './simulatedWorkload.js'
import type { TeePlatform } from './types.js'

export interface SimulatedTeeOptions {
  machine: SimulatedMachine
  workload: SimulatedWorkloadOptions
  logger?: Logger
}

/**
 * The INSECURE simulated TEE driver: produces TDX-v4-layout quotes under the simulated vendor's Intel-shaped PKI
 * (verified by the DCAP verifier trusting that vendor's root), with the dstack runtime event log of the configured
 * workload. For laptops and CI only.
 */
export class SimulatedTee implements TeePlatform {
  readonly driver = 'simulated'
  readonly platform: Platform = 'simulated'
  readonly simulated = true
  readonly workload: ResolvedWorkload
  readonly #machine: SimulatedMachine
  readonly #events: RuntimeEvent[]

  constructor(opts: SimulatedTeeOptions) {
    this.#machine = opts.machine
    this.workload = resolveWorkload(opts.workload)
    this.#events = simulatedBootEvents(this.workload)
    opts.logger?.warn(
      { tee: 'simulated', appId: toHex(this.workload.appId) },
      'using the INSECURE simulated TEE: evidence is forgeable, never use it in production',
    )
  }

  /** Runtime events measured so far (copy). */
  get runtimeEvents(): RuntimeEvent[] {
    return this.#events.map((e) => ({ event: e.event, payload: e.payload }))
  }

  get awaitingKeyProvider(): boolean {
    return !this.#events.some((e) => e.event === SYSTEM_READY)
  }

  /** Append an application event to RTMR3 (after system-ready; it cannot change identity fields). */
  emitEvent(event: string, payload: Uint8Array): void {
    if (this.awaitingKeyProvider)
      throw new TeeError(
        'TEE_BOOT_STAGE',
        'the boot measurement is not complete (it waits for the key provider): app events come after system-ready',
      )
    this.#events.push({ event, payload: payload.slice() })
  }

  /** Measure the key provider the workload's keys came from, then `system-ready` (once, as dstack-util does). */
  async recordKeyProvider(info: Uint8Array): Promise<void> {
    if (!this.awaitingKeyProvider)
      throw new TeeError(
        'TEE_BOOT_STAGE',
        'the boot measurement is already complete: the key provider is measured once',
      )
    this.#events.push(
      { event: 'key-provider', payload: info.slice() },
      { event: SYSTEM_READY, payload: new Uint8Array(0) },
    )
  }

  async attest(reportData: Uint8Array): Promise<Attestation> {
    if (reportData.length !== 64)
      throw new TeeError('TEE_BAD_REPORT_DATA', `report_data must be exactly 64 bytes, got ${reportData.length}`)
    const m = this.#machine
    const runtimeEvents = this.runtimeEvents
    const quote = buildSimulatedQuote({
      pckKey: m.pckKey,
      attestationKey: m.attestationKey,
      certChainDer: [m.pckCertDer, m.pckCaCertDer, m.vendorRootCertDer],
      osImageHash: this.workload.osImageHash,
      runtimeEvents,
      reportData,
      debug: this.workload.debug,
    })
    return {
      quote: { type: 'tdx', quote, eventLog: runtimeEvents.map(runtimeEventToTdxEvent) },
      runtimeEvents,
      reportData: reportData.slice(),
      config: JSON.stringify({ os_image_hash: toHex(this.workload.osImageHash) }),
    }
  }

  /**
   * HKDF-SHA256(ikm = machine sealing secret, salt = sha256(ppid), info = label ‖ boot-time mr_aggregated).
   * The boot-time MR (events up to boot-mr-done) covers app id, compose hash, instance id and OS image, and
   * stays stable when the app appends events later.
   */
  async sealingKey(): Promise<SecretBytes> {
    const os = this.workload.osImageHash
    const rtmr3 = replayRuntimeEvents(this.#events, { toEvent: BOOT_MR_DONE })
    const zero48 = new Uint8Array(48)
    const { mrAggregated } = computeTdxMrs(
      {
        mrTd: simulatedMeasurement('mrtd', os),
        rtmr: [
          simulatedMeasurement('rtmr0', os),
          simulatedMeasurement('rtmr1', os),
          simulatedMeasurement('rtmr2', os),
          rtmr3,
        ],
        mrConfigId: zero48,
        mrOwner: zero48,
        mrOwnerConfig: zero48,
      },
      rtmr3,
      new Uint8Array(32),
    )
    const info = concatBytes(utf8ToBytes('custos-simulated-sealing-v1:'), mrAggregated)
    return new SecretBytes(hkdf(sha256, this.#machine.sealingSecret.expose(), sha256(this.#machine.ppid), info, 32))
  }
}
