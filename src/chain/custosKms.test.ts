import { getAddress, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, expectRevert, h32 } from '../../test/support/chain.js'
import { type LocalCustos, startLocalCustos } from '../devchain/index.js'
import { custosKmsAbi } from './abis.js'
import { toAppBootInfo } from './appBootInfo.js'
import { kmsRegistry } from './contracts.js'

const MR = h32(0xa1)
const OS = h32(0xb2)
const DEV = h32(0xc3)
const APP_IMPL = getAddress('0x00000000000000000000000000000000000a9915')
const boot = (over: Partial<Parameters<typeof toAppBootInfo>[0]> = {}) =>
  toAppBootInfo({
    appId: '',
    composeHash: '',
    instanceId: '',
    deviceId: DEV,
    mrAggregated: MR,
    osImageHash: OS,
    tcbStatus: 'UpToDate',
    ...over,
  })

describe('CustosKms', () => {
  let lc: LocalCustos
  let stranger: ReturnType<
    typeof kmsRegistry<{ public: LocalCustos['evm']['publicClient']; wallet: LocalCustos['evm']['wallets'][number] }>
  >
  beforeAll(async () => {
    lc = await startLocalCustos()
    stranger = kmsRegistry({ public: lc.evm.publicClient, wallet: lc.evm.wallets[1]! }, lc.addresses.kms)
  })
  afterAll(() => lc.close())

  it('is owned by the deployer and seeds the TCB set with "UpToDate"', async () => {
    expect(await lc.kms.read.owner()).toBe(lc.evm.accounts[0]!.address)
    expect(await lc.kms.read.isTcbStatusAllowed(['UpToDate'])).toBe(true)
    expect(await lc.kms.read.isTcbStatusAllowed(['OutOfDate'])).toBe(false)
    expect(await lc.kms.read.openAppRegistration()).toBe(true)
  })

  // every owner-only mutation: a stranger is refused with NotOwner(caller); the owner succeeds and the event says what changed
  const info = { k256Pubkey: '0x02aa', caPubkey: '0x04bb', quote: '0x0102', eventlog: '0x7b7d' } as const
  const cases: Array<[string, (k: typeof stranger) => Promise<`0x${string}`>, string, Record<string, unknown>]> = [
    ['setKmsInfo', (k) => k.write.setKmsInfo([info]), 'KmsInfoSet', { k256Pubkey: '0x02aa', caPubkey: '0x04bb' }],
    ['setKmsQuote', (k) => k.write.setKmsQuote(['0x0506']), 'KmsQuoteSet', { quote: '0x0506' }],
    ['setKmsEventlog', (k) => k.write.setKmsEventlog(['0x5b5d']), 'KmsEventlogSet', { eventlog: '0x5b5d' }],
    ['setGatewayAppId', (k) => k.write.setGatewayAppId(['gw-1']), 'GatewayAppIdSet', { gatewayAppId: 'gw-1' }],
    ['addKmsAggregatedMr', (k) => k.write.addKmsAggregatedMr([MR]), 'KmsAggregatedMrAdded', { mrAggregated: MR }],
    [
      'removeKmsAggregatedMr',
      (k) => k.write.removeKmsAggregatedMr([h32(9)]),
      'KmsAggregatedMrRemoved',
      { mrAggregated: h32(9) },
    ],
    ['addKmsDevice', (k) => k.write.addKmsDevice([DEV]), 'KmsDeviceAdded', { deviceId: DEV }],
    ['removeKmsDevice', (k) => k.write.removeKmsDevice([h32(9)]), 'KmsDeviceRemoved', { deviceId: h32(9) }],
    [
      'setKmsAllowAnyDevice',
      (k) => k.write.setKmsAllowAnyDevice([false]),
      'KmsAllowAnyDeviceSet',
      { allowAnyDevice: false },
    ],
    ['addOsImageHash', (k) => k.write.addOsImageHash([OS]), 'OsImageHashAdded', { osImageHash: OS }],
    ['removeOsImageHash', (k) => k.write.removeOsImageHash([h32(9)]), 'OsImageHashRemoved', { osImageHash: h32(9) }],
    [
      'addTcbStatus',
      (k) => k.write.addTcbStatus(['SWHardeningNeeded']),
      'TcbStatusAdded',
      { tcbStatus: 'SWHardeningNeeded' },
    ],
    ['removeTcbStatus', (k) => k.write.removeTcbStatus(['OutOfDate']), 'TcbStatusRemoved', { tcbStatus: 'OutOfDate' }],
    ['setOpenAppRegistration', (k) => k.write.setOpenAppRegistration([true]), 'OpenAppRegistrationSet', { open: true }],
    [
      'setAppImplementation',
      (k) => k.write.setAppImplementation([APP_IMPL]),
      'AppImplementationSet',
      { implementation: APP_IMPL },
    ],
  ]
  for (const [name, call, eventName, args] of cases) {
    it(`${name}: only the owner; emits ${eventName}`, async () => {
      const err = await expectRevert(lc.evm, call(stranger), 'NotOwner')
      expect(err.meta.args).toContain(lc.evm.accounts[1]!.address)
      const evs = await events(lc.evm, custosKmsAbi, call(lc.kms))
      expect(evs).toEqual([{ eventName, args }])
    })
  }

  it("answers every view dstack's auth-eth calls (isAppAllowed, isKmsAllowed, gatewayAppId, appImplementation)", async () => {
    const fresh = await startLocalCustos()
    try {
      expect(await fresh.kms.read.appImplementation()).toBe('0x0000000000000000000000000000000000000000')
      await expectRevert(fresh.evm, fresh.kms.write.setAppImplementation([zeroAddress]), 'ZeroAddress')
      expect(await fresh.kms.read.gatewayAppId()).toBe('')
      expect((await fresh.kms.read.isAppAllowed([boot()]))[0]).toBe(false)
      expect((await fresh.kms.read.isKmsAllowed([boot()]))[0]).toBe(false)
    } finally {
      await fresh.close()
    }
  })

  it('stores KMS info, the gateway app id and the app implementation', async () => {
    expect(await lc.kms.read.appImplementation()).toBe(APP_IMPL)
    expect(await lc.kms.read.kmsInfo()).toEqual(['0x02aa', '0x04bb', '0x0506', '0x5b5d'])
    expect(await lc.kms.read.gatewayAppId()).toBe('gw-1')
  })

  it('isKmsAllowed checks TCB, OS image, aggregated MR, device, in that order', async () => {
    const fresh = await startLocalCustos()
    const k = fresh.kms
    expect(await k.read.isKmsAllowed([boot({ tcbStatus: 'OutOfDate' })])).toEqual([false, 'TCB status is not allowed'])
    expect(await k.read.isKmsAllowed([boot()])).toEqual([false, 'OS image is not allowed'])
    await events(fresh.evm, custosKmsAbi, k.write.addOsImageHash([OS]))
    expect(await k.read.isKmsAllowed([boot()])).toEqual([false, 'Aggregated MR not allowed'])
    await events(fresh.evm, custosKmsAbi, k.write.addKmsAggregatedMr([MR]))
    expect(await k.read.isKmsAllowed([boot()])).toEqual([false, 'KMS is not allowed to boot on this device'])
    await events(fresh.evm, custosKmsAbi, k.write.addKmsDevice([DEV]))
    expect(await k.read.isKmsAllowed([boot()])).toEqual([true, ''])
    // a device not on the list is refused unless allowAnyDevice
    expect(await k.read.isKmsAllowed([boot({ deviceId: h32(0xdd) })])).toEqual([
      false,
      'KMS is not allowed to boot on this device',
    ])
    await events(fresh.evm, custosKmsAbi, k.write.setKmsAllowAnyDevice([true]))
    expect(await k.read.isKmsAllowed([boot({ deviceId: h32(0xdd) })])).toEqual([true, ''])
    // the TCB set replaces dstack's hard-coded "UpToDate"
    expect((await k.read.isKmsAllowed([boot({ tcbStatus: 'SWHardeningNeeded' })]))[0]).toBe(false)
    await events(fresh.evm, custosKmsAbi, k.write.addTcbStatus(['SWHardeningNeeded']))
    expect(await k.read.isKmsAllowed([boot({ tcbStatus: 'SWHardeningNeeded' })])).toEqual([true, ''])
    await events(fresh.evm, custosKmsAbi, k.write.removeTcbStatus(['UpToDate']))
    expect(await k.read.isKmsAllowed([boot()])).toEqual([false, 'TCB status is not allowed'])
    await events(fresh.evm, custosKmsAbi, k.write.addTcbStatus(['UpToDate']))
    // removing the measurement revokes on the very next check
    await events(fresh.evm, custosKmsAbi, k.write.removeKmsAggregatedMr([MR]))
    expect(await k.read.isKmsAllowed([boot()])).toEqual([false, 'Aggregated MR not allowed'])
    await fresh.close()
  })

  it('registerApp is open by default, refuses duplicates and zero; closed registration is owner-only', async () => {
    const app = lc.evm.accounts[5]!.address
    expect(await events(lc.evm, custosKmsAbi, stranger.write.registerApp([app]))).toEqual([
      { eventName: 'AppRegistered', args: { appId: app } },
    ])
    expect(await lc.kms.read.registeredApps([app])).toBe(true)
    await expectRevert(lc.evm, stranger.write.registerApp([app]), 'AppAlreadyRegistered')
    await expectRevert(
      lc.evm,
      stranger.write.registerApp(['0x0000000000000000000000000000000000000000']),
      'ZeroAddress',
    )
    await events(lc.evm, custosKmsAbi, lc.kms.write.setOpenAppRegistration([false]))
    const app2 = lc.evm.accounts[6]!.address
    await expectRevert(lc.evm, stranger.write.registerApp([app2]), 'NotOwner')
    await expectRevert(lc.evm, stranger.write.deployAndRegisterApp([app2, false, true, h32(0), h32(1)]), 'NotOwner')
    await events(lc.evm, custosKmsAbi, lc.kms.write.registerApp([app2]))
    await events(lc.evm, custosKmsAbi, lc.kms.write.setOpenAppRegistration([true]))
  })

  it('deregisterApp: only the owner, only registered apps', async () => {
    const app = lc.evm.accounts[5]!.address
    await expectRevert(lc.evm, stranger.write.deregisterApp([app]), 'NotOwner')
    expect(await events(lc.evm, custosKmsAbi, lc.kms.write.deregisterApp([app]))).toEqual([
      { eventName: 'AppDeregistered', args: { appId: app } },
    ])
    await expectRevert(lc.evm, lc.kms.write.deregisterApp([app]), 'AppNotRegistered')
  })

  it('ownership moves in two steps and the old owner loses its rights', async () => {
    const next = kmsRegistry({ public: lc.evm.publicClient, wallet: lc.evm.wallets[2]! }, lc.addresses.kms)
    const nextAddr = lc.evm.accounts[2]!.address
    await expectRevert(lc.evm, stranger.write.transferOwnership([nextAddr]), 'NotOwner')
    expect(await events(lc.evm, custosKmsAbi, lc.kms.write.transferOwnership([nextAddr]))).toEqual([
      {
        eventName: 'OwnershipTransferStarted',
        args: { previousOwner: lc.evm.accounts[0]!.address, newOwner: nextAddr },
      },
    ])
    await expectRevert(lc.evm, stranger.write.acceptOwnership(), 'NotOwner')
    expect(await lc.kms.read.owner()).toBe(lc.evm.accounts[0]!.address)
    await events(lc.evm, custosKmsAbi, next.write.acceptOwnership())
    expect(await lc.kms.read.owner()).toBe(nextAddr)
    expect(await lc.kms.read.pendingOwner()).toBe('0x0000000000000000000000000000000000000000')
    await expectRevert(lc.evm, lc.kms.write.addOsImageHash([h32(77)]), 'NotOwner')
    await events(lc.evm, custosKmsAbi, next.write.addOsImageHash([h32(77)]))
  })
})
