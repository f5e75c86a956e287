import { describe, expect, it } from 'vitest'
import type { Identity } from '../attestation/index.js'
import { TEE_VARIANT_OF, toBootInfo } from './toBootInfo.js'

const fill = (n: number, b: number) => new Uint8Array(n).fill(b)

const identity: Identity = {
  platform: 'tdx',
  tcbStatus: 'SWHardeningNeeded',
  advisoryIds: ['INTEL-SA-00615'],
  debug: false,
  mrAggregated: fill(32, 0xa1),
  mrSystem: fill(32, 0xa2),
  osImageHash: fill(32, 0xa3),
  composeHash: fill(32, 0xa4),
  appId: fill(20, 0xa5),
  instanceId: new Uint8Array(0),
  deviceId: fill(32, 0xa6),
  keyProviderInfo: new TextEncoder().encode('{"name":"kms","id":"ab"}'),
  reportData: fill(64, 0xff),
  measurements: {},
}

describe('toBootInfo', () => {
  it('produces the dstack PolicyBootInfo JSON (camelCase, lowercase hex without 0x, "" when absent)', () => {
    const b = toBootInfo(identity)
    expect(JSON.stringify(b)).toBe(
      JSON.stringify({
        teeVariant: 'dstack-tdx',
        mrAggregated: 'a1'.repeat(32),
        osImageHash: 'a3'.repeat(32),
        mrSystem: 'a2'.repeat(32),
        appId: 'a5'.repeat(20),
        composeHash: 'a4'.repeat(32),
        instanceId: '',
        deviceId: 'a6'.repeat(32),
        keyProviderInfo: Buffer.from('{"name":"kms","id":"ab"}').toString('hex'),
        tcbStatus: 'SWHardeningNeeded',
        advisoryIds: ['INTEL-SA-00615'],
      }),
    )
    expect(JSON.stringify(b)).not.toContain('reportData')
    expect(JSON.stringify(b)).not.toContain('0x')
  })

  it('maps platforms to teeVariant', () => {
    expect(TEE_VARIANT_OF).toEqual({
      tdx: 'dstack-tdx',
      simulated: 'dstack-tdx',
      nitro: 'dstack-nitro-enclave',
      sgx: 'custos-sgx',
    })
    expect(toBootInfo({ ...identity, platform: 'nitro', tcbStatus: '' }).teeVariant).toBe('dstack-nitro-enclave')
    expect(toBootInfo({ ...identity, platform: 'simulated' }).teeVariant).toBe('dstack-tdx')
  })

  it('copies advisoryIds (no aliasing)', () => {
    const b = toBootInfo(identity)
    b.advisoryIds.push('X')
    expect(identity.advisoryIds).toEqual(['INTEL-SA-00615'])
  })
})
