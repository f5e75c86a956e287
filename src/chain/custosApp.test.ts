import { type Address, parseEventLogs } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, expectRevert, h32 } from '../../test/support/chain.js'
import { deployContract, type LocalCustos, startLocalCustos } from '../devchain/index.js'
import { custosAppAbi, custosKmsAbi } from './abis.js'
import { toAppBootInfo } from './appBootInfo.js'
import { confirmTx } from './chainErrors.js'
import { appRegistry } from './contracts.js'

const OS = h32(0x05)
const COMPOSE = h32(0xc0)
const DEV = h32(0xde)

describe('CustosApp + CustosKms.isAppAllowed', () => {
  let lc: LocalCustos
  let appId: Address
  const bootFor = (appId: string, over: Partial<Parameters<typeof toAppBootInfo>[0]> = {}) =>
    toAppBootInfo({
      appId,
      composeHash: COMPOSE,
      instanceId: 'ab',
      deviceId: DEV,
      mrAggregated: '',
      osImageHash: OS,
      tcbStatus: 'UpToDate',
      ...over,
    })
  const appAs = (i: number) => appRegistry({ public: lc.evm.publicClient, wallet: lc.evm.wallets[i]! }, appId)

  beforeAll(async () => {
    lc = await startLocalCustos()
    // the app owner is account 3; no initial compose hash or device
    appId = await deployContract(lc.evm.wallets[3]!, lc.artifacts.CustosApp, [
      lc.evm.accounts[3]!.address,
      true,
      false,
      h32(0),
      h32(0),
    ])
  })
  afterAll(() => lc.close())

  it('reasons in dstack order: not registered, OS image, no code, TCB, compose hash, device', async () => {
    const k = lc.kms
    expect(await k.read.isAppAllowed([bootFor(appId)])).toEqual([false, 'App not registered'])
    await events(lc.evm, custosKmsAbi, k.write.registerApp([appId]))
    expect(await k.read.isAppAllowed([bootFor(appId)])).toEqual([false, 'OS image is not allowed'])
    await events(lc.evm, custosKmsAbi, k.write.addOsImageHash([OS]))
    // a registered address without code (an EOA) is refused
    const eoa = lc.evm.accounts[8]!.address
    await events(lc.evm, custosKmsAbi, k.write.registerApp([eoa]))
    expect(await k.read.isAppAllowed([bootFor(eoa)])).toEqual([false, 'App not deployed or invalid address'])
    // the app contract's own checks: TCB (requireTcbUpToDate), compose hash, device
    expect(await k.read.isAppAllowed([bootFor(appId, { tcbStatus: 'OutOfDate' })])).toEqual([
      false,
      'TCB status is not up to date',
    ])
    expect(await k.read.isAppAllowed([bootFor(appId)])).toEqual([false, 'Compose hash not allowed'])
    await events(lc.evm, custosAppAbi, appAs(3).write.addComposeHash([COMPOSE]))
    expect(await k.read.isAppAllowed([bootFor(appId)])).toEqual([false, 'Device not allowed'])
    await events(lc.evm, custosAppAbi, appAs(3).write.addDevice([DEV]))
    expect(await k.read.isAppAllowed([bootFor(appId)])).toEqual([true, ''])
    // the app contract answers directly too (dstack auth-eth calls the KMS, which delegates)
    expect(await appAs(0).read.isAppAllowed([bootFor(appId)])).toEqual([true, ''])
  })

  it('removing a compose hash refuses the next request', async () => {
    expect((await lc.kms.read.isAppAllowed([bootFor(appId)]))[0]).toBe(true)
    await events(lc.evm, custosAppAbi, appAs(3).write.removeComposeHash([COMPOSE]))
    expect(await lc.kms.read.isAppAllowed([bootFor(appId)])).toEqual([false, 'Compose hash not allowed'])
    await events(lc.evm, custosAppAbi, appAs(3).write.addComposeHash([COMPOSE]))
    // and removing the OS image at the KMS level does the same for every app
    await events(lc.evm, custosKmsAbi, lc.kms.write.removeOsImageHash([OS]))
    expect(await lc.kms.read.isAppAllowed([bootFor(appId)])).toEqual([false, 'OS image is not allowed'])
    await events(lc.evm, custosKmsAbi, lc.kms.write.addOsImageHash([OS]))
  })

  it('allowAnyDevice and requireTcbUpToDate switch their checks off', async () => {
    const other = bootFor(appId, { deviceId: h32(0x99), tcbStatus: '' })
    expect(await lc.kms.read.isAppAllowed([other])).toEqual([false, 'TCB status is not up to date'])
    await events(lc.evm, custosAppAbi, appAs(3).write.setRequireTcbUpToDate([false]))
    expect(await lc.kms.read.isAppAllowed([other])).toEqual([false, 'Device not allowed'])
    await events(lc.evm, custosAppAbi, appAs(3).write.setAllowAnyDevice([true]))
    expect(await lc.kms.read.isAppAllowed([other])).toEqual([true, ''])
    await events(lc.evm, custosAppAbi, appAs(3).write.setAllowAnyDevice([false]))
    await events(lc.evm, custosAppAbi, appAs(3).write.setRequireTcbUpToDate([true]))
  })

  it('a registered contract that is not an app is a deny, not an error', async () => {
    await events(lc.evm, custosKmsAbi, lc.kms.write.registerApp([lc.addresses.kms]))
    expect(await lc.kms.read.isAppAllowed([bootFor(lc.addresses.kms)])).toEqual([false, 'App contract check failed'])
  })

  const cases: Array<[string, (i: number) => Promise<`0x${string}`>, string, Record<string, unknown>]> = [
    ['addComposeHash', (i) => appAs(i).write.addComposeHash([h32(1)]), 'ComposeHashAdded', { composeHash: h32(1) }],
    [
      'removeComposeHash',
      (i) => appAs(i).write.removeComposeHash([h32(1)]),
      'ComposeHashRemoved',
      { composeHash: h32(1) },
    ],
    ['addDevice', (i) => appAs(i).write.addDevice([h32(2)]), 'DeviceAdded', { deviceId: h32(2) }],
    ['removeDevice', (i) => appAs(i).write.removeDevice([h32(2)]), 'DeviceRemoved', { deviceId: h32(2) }],
    [
      'setAllowAnyDevice',
      (i) => appAs(i).write.setAllowAnyDevice([false]),
      'AllowAnyDeviceSet',
      { allowAnyDevice: false },
    ],
    [
      'setRequireTcbUpToDate',
      (i) => appAs(i).write.setRequireTcbUpToDate([true]),
      'RequireTcbUpToDateSet',
      { requireUpToDate: true },
    ],
  ]
  for (const [name, call, eventName, args] of cases) {
    it(`${name}: only the app owner (not even the KMS owner); emits ${eventName}`, async () => {
      await expectRevert(lc.evm, call(0), 'NotOwner')
      await expectRevert(lc.evm, call(1), 'NotOwner')
      expect(await events(lc.evm, custosAppAbi, call(3))).toEqual([{ eventName, args }])
    })
  }

  it('deployAndRegisterApp deploys an app owned by the given owner with its initial hash and device', async () => {
    const owner = lc.evm.accounts[4]!.address
    const receipt = await confirmTx(
      lc.evm.publicClient,
      lc.kms.write.deployAndRegisterApp([owner, false, false, DEV, COMPOSE]),
    )
    const logs = parseEventLogs({ abi: custosKmsAbi, logs: receipt.logs })
    const deployed = logs.find((l) => l.eventName === 'AppDeployedViaFactory')!
    const newApp = (deployed.args as { appId: Address }).appId
    expect(deployed.args).toEqual({ appId: newApp, deployer: lc.evm.accounts[0]!.address })
    expect(logs.map((l) => l.eventName)).toContain('AppRegistered')
    const app = appRegistry(lc.evm.publicClient, newApp)
    expect(await app.read.owner()).toBe(owner)
    expect(await app.read.version()).toBe(2n)
    expect(await app.read.allowedComposeHashes([COMPOSE])).toBe(true)
    expect(await app.read.allowedDeviceIds([DEV])).toBe(true)
    expect(await app.read.requireTcbUpToDate()).toBe(false)
    expect(await lc.kms.read.isAppAllowed([bootFor(newApp, { tcbStatus: 'OutOfDate' })])).toEqual([true, ''])
  })

  it("implements dstack's ERC-165 ids (IAppAuth 0x1e079198, IAppAuthBasicManagement 0x8fd37527)", async () => {
    const app = appRegistry(lc.evm.publicClient, appId)
    expect(await app.read.supportsInterface(['0x1e079198'])).toBe(true)
    expect(await app.read.supportsInterface(['0x8fd37527'])).toBe(true)
    expect(await app.read.supportsInterface(['0x01ffc9a7'])).toBe(true)
    expect(await app.read.supportsInterface(['0xffffffff'])).toBe(false)
  })
})

describe('toAppBootInfo', () => {
  it('left-pads hex like auth-eth, accepts no 0x, empty means zero', () => {
    const b = toAppBootInfo({
      appId: 'ABCD',
      composeHash: '0x01',
      instanceId: '',
      deviceId: 'ff',
      mrAggregated: '',
      osImageHash: '0x' + '22'.repeat(32),
    })
    expect(b.appId).toBe('0x000000000000000000000000000000000000ABcD')
    expect(b.composeHash).toBe(h32(1))
    expect(b.instanceId).toBe('0x0000000000000000000000000000000000000000')
    expect(b.deviceId).toBe(h32(0xff))
    expect(b.mrSystem).toBe(h32(0))
    expect(b.tcbStatus).toBe('')
    expect(b.advisoryIds).toEqual([])
  })
  it('refuses non-hex and oversized fields with CHAIN_BAD_INPUT', () => {
    const base = { appId: '', composeHash: '', instanceId: '', deviceId: '', mrAggregated: '', osImageHash: '' }
    expect(() => toAppBootInfo({ ...base, appId: '11'.repeat(21) })).toThrow(
      expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }),
    )
    expect(() => toAppBootInfo({ ...base, composeHash: 'zz' })).toThrow(
      expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }),
    )
  })
})
