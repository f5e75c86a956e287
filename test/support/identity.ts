import type { Identity } from '../../src/attestation/index.js'

/** `n` bytes of `b`. */
export const filled = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b)

/**
 * A verified identity for policy and KMS tests: platform simulated, TCB UpToDate, not debug, each measurement a
 * distinct fill byte (osImageHash 1, mrAggregated 2, deviceId 3, appId 4, composeHash 5, mrSystem 7), no instance
 * id; `over` replaces fields.
 */
export function testIdentity(over: Partial<Identity> = {}): Identity {
  return {
    platform: 'simulated',
    tcbStatus: 'UpToDate',
    advisoryIds: [],
    debug: false,
    mrAggregated: filled(32, 2),
    mrSystem: filled(32, 7),
    osImageHash: filled(32, 1),
    composeHash: filled(32, 5),
    appId: filled(20, 4),
    instanceId: new Uint8Array(0),
    deviceId: filled(32, 3),
    keyProviderInfo: new Uint8Array(0),
    reportData: filled(64, 0xee),
    measurements: {},
    ...over,
  }
}
