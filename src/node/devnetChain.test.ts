import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Identity } from '../attestation/index.js'
import { appRegistry, CHAIN_DENY_REASONS, connectChain, kmsRegistry } from '../chain/index.js'
import { bootInfoOf, type DevnetChain, startDevnetChain } from './devnetChain.js'

const fill = (n: number, b: number) => new Uint8Array(n).fill(b)
function identity(over: Partial<Identity>): Identity {
  return {
    platform: 'simulated',
    tcbStatus: 'UpToDate',
    advisoryIds: [],
    debug: false,
    mrAggregated: fill(32, 0x11),
    mrSystem: fill(32, 0x12),
    osImageHash: fill(32, 0x13),
    composeHash: fill(32, 0x14),
    appId: fill(20, 0x15),
    instanceId: new Uint8Array(),
    deviceId: fill(32, 0x16),
    keyProviderInfo: new Uint8Array(),
    reportData: new Uint8Array(64),
    ...over,
  } as Identity
}

const kmsIds = [
  identity({ deviceId: fill(32, 0xd1) }),
  identity({ deviceId: fill(32, 0xd2), tcbStatus: 'SWHardeningNeeded' }),
]
const appId = identity({ composeHash: fill(32, 0xa1), appId: fill(20, 0xa2), deviceId: fill(32, 0xee) })

describe('startDevnetChain', () => {
  let chain: DevnetChain
  beforeAll(async () => {
    chain = await startDevnetChain({ kms: kmsIds, app: appId, committee: true })
  })
  afterAll(() => chain?.close())

  it('serves the chain on loopback and returns the [policy] overrides', async () => {
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(chain.policy).toEqual({
      backend: 'evm',
      evm_rpc_url: chain.rpcUrl,
      evm_chain_id: 31337,
      evm_kms_contract: chain.addresses.kms,
      evm_committee_contract: chain.addresses.committee,
      evm_max_staleness_ms: 1000,
    })
    expect(chain.deployment).toMatchObject({
      chainId: 31337,
      rpcUrl: chain.rpcUrl,
      kms: chain.addresses.kms,
      fromBlock: 0,
    })
    // the app contract sits at the measured app id
    expect(chain.addresses.app.toLowerCase()).toBe(`0x${'a2'.repeat(20)}`)
  })

  it('the chain (over HTTP) allows exactly the registered identities', async () => {
    const client = await connectChain({ rpcUrl: chain.rpcUrl, chainId: 31337 })
    const kms = kmsRegistry(client, chain.addresses.kms)
    for (const k of kmsIds) expect(await kms.read.isKmsAllowed([bootInfoOf(k)])).toEqual([true, ''])
    expect(await kms.read.isAppAllowed([bootInfoOf(appId)])).toEqual([true, ''])
    // the app may run on any device, but only with its compose hash
    expect((await kms.read.isAppAllowed([bootInfoOf({ ...appId, deviceId: fill(32, 1) })]))[0]).toBe(true)
    expect(await kms.read.isAppAllowed([bootInfoOf({ ...appId, composeHash: fill(32, 9) })])).toEqual([
      false,
      CHAIN_DENY_REASONS.composeHash,
    ])
    expect(await kms.read.isKmsAllowed([bootInfoOf({ ...kmsIds[0]!, deviceId: fill(32, 0xd3) })])).toEqual([
      false,
      CHAIN_DENY_REASONS.kmsDevice,
    ])
    expect(await kms.read.isKmsAllowed([bootInfoOf({ ...kmsIds[0]!, mrAggregated: fill(32, 7) })])).toEqual([
      false,
      CHAIN_DENY_REASONS.kmsMrAggregated,
    ])
    expect(await kms.read.isKmsAllowed([bootInfoOf({ ...kmsIds[0]!, tcbStatus: 'OutOfDate' })])).toEqual([
      false,
      CHAIN_DENY_REASONS.kmsTcb,
    ])
    // the devnet owner (dev account 0) can govern the pinned app like any other
    expect(await appRegistry(client, chain.addresses.app).read.owner()).toBe(chain.owner)
  })

  it('deploys an app contract normally when the identity has no app id', async () => {
    const other = await startDevnetChain({ kms: [kmsIds[0]!], app: { ...appId, appId: new Uint8Array() } })
    try {
      expect(other.addresses.committee).toBeUndefined()
      expect(other.policy.evm_committee_contract).toBe('')
      const kms = kmsRegistry(other.evm.publicClient, other.addresses.kms)
      expect(await kms.read.isAppAllowed([bootInfoOf(appId, other.addresses.app)])).toEqual([true, ''])
    } finally {
      await other.close()
    }
  })
})
