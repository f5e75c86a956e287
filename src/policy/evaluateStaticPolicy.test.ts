import { describe, expect, it } from 'vitest'
import { filled as h, testIdentity } from '../../test/support/identity.js'
import type { Identity } from '../attestation/index.js'
import { DENY, evaluateStaticPolicy } from './evaluateStaticPolicy.js'
import { validateStaticPolicy } from './staticPolicyConfig.js'
import { toBootInfo } from './toBootInfo.js'
import type { PolicyRole } from './types.js'

const hex = (n: number, b: number) => Buffer.from(h(n, b)).toString('hex')

const OS = 0x01
const KMS_MR = 0x02
const KMS_DEV = 0x03
const APP = 0x04
const COMPOSE = 0x05
const APP_DEV = 0x06

const identity = (over: Partial<Identity> = {}): Identity =>
  testIdentity({
    platform: 'tdx',
    mrAggregated: h(32, KMS_MR),
    mrSystem: h(32, 0x77),
    osImageHash: h(32, OS),
    composeHash: h(32, COMPOSE),
    appId: h(20, APP),
    instanceId: h(20, 0x78),
    deviceId: h(32, KMS_DEV),
    reportData: h(64, 0),
    ...over,
  })

// Mixed case and 0x prefixes on purpose: comparison is case-insensitive, 0x optional.
const config = validateStaticPolicy({
  gatewayAppId: 'gw-1',
  osImages: [`0x${hex(32, OS).toUpperCase()}`],
  allowedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'],
  allowedAdvisoryIds: ['INTEL-SA-00615'],
  kms: { mrAggregated: [`0X${hex(32, KMS_MR)}`], devices: [hex(32, KMS_DEV)], allowAnyDevice: false },
  apps: {
    [`0x${hex(20, APP).toUpperCase()}`]: { composeHashes: [hex(32, COMPOSE)], devices: [hex(32, APP_DEV)] },
    [hex(20, 0x40)]: { composeHashes: [hex(32, COMPOSE)], devices: [] },
    [hex(20, 0x41)]: { composeHashes: [hex(32, COMPOSE)], devices: [hex(32, APP_DEV)], allowAnyDevice: true },
  },
})

const cases: Array<{ name: string; role: PolicyRole; id: Partial<Identity>; allowed: boolean; reason: string }> = [
  { name: 'kms allowed', role: 'kms', id: {}, allowed: true, reason: '' },
  {
    name: 'kms: other TCB status allowed by list',
    role: 'kms',
    id: { tcbStatus: 'SWHardeningNeeded' },
    allowed: true,
    reason: '',
  },
  { name: 'TCB status', role: 'kms', id: { tcbStatus: 'OutOfDate' }, allowed: false, reason: DENY.tcbStatus },
  { name: 'TCB status empty (nitro)', role: 'app', id: { tcbStatus: '' }, allowed: false, reason: DENY.tcbStatus },
  {
    name: 'advisory',
    role: 'kms',
    id: { advisoryIds: ['INTEL-SA-00615', 'INTEL-SA-00999'] },
    allowed: false,
    reason: DENY.advisoryId,
  },
  { name: 'allowed advisory', role: 'kms', id: { advisoryIds: ['INTEL-SA-00615'] }, allowed: true, reason: '' },
  { name: 'OS image', role: 'kms', id: { osImageHash: h(32, 0x99) }, allowed: false, reason: DENY.osImage },
  { name: 'OS image empty', role: 'app', id: { osImageHash: new Uint8Array(0) }, allowed: false, reason: DENY.osImage },
  { name: 'aggregated MR', role: 'kms', id: { mrAggregated: h(32, 0x99) }, allowed: false, reason: DENY.mrAggregated },
  { name: 'KMS device', role: 'kms', id: { deviceId: h(32, 0x99) }, allowed: false, reason: DENY.kmsDevice },
  // committee members (role mpc) are judged by the KMS node rules
  { name: 'mpc member allowed', role: 'mpc', id: {}, allowed: true, reason: '' },
  {
    name: 'mpc: aggregated MR',
    role: 'mpc',
    id: { mrAggregated: h(32, 0x99) },
    allowed: false,
    reason: DENY.mrAggregated,
  },
  { name: 'mpc: device', role: 'mpc', id: { deviceId: h(32, 0x99) }, allowed: false, reason: DENY.kmsDevice },
  { name: 'app allowed', role: 'app', id: { deviceId: h(32, APP_DEV) }, allowed: true, reason: '' },
  {
    name: 'app not registered',
    role: 'app',
    id: { appId: h(20, 0x99) },
    allowed: false,
    reason: DENY.appNotRegistered,
  },
  { name: 'compose hash', role: 'app', id: { composeHash: h(32, 0x99) }, allowed: false, reason: DENY.composeHash },
  { name: 'app device', role: 'app', id: { deviceId: h(32, 0x99) }, allowed: false, reason: DENY.appDevice },
  { name: 'app: empty device list = any', role: 'app', id: { appId: h(20, 0x40) }, allowed: true, reason: '' },
  {
    name: 'app: allowAnyDevice',
    role: 'app',
    id: { appId: h(20, 0x41), deviceId: h(32, 0x99) },
    allowed: true,
    reason: '',
  },
  // Order: TCB is checked before OS image, OS image before the role checks.
  {
    name: 'order: TCB first',
    role: 'app',
    id: { tcbStatus: 'Revoked', osImageHash: h(32, 0x99), appId: h(20, 0x99) },
    allowed: false,
    reason: DENY.tcbStatus,
  },
  {
    name: 'order: OS before app',
    role: 'app',
    id: { osImageHash: h(32, 0x99), appId: h(20, 0x99) },
    allowed: false,
    reason: DENY.osImage,
  },
  {
    name: 'order: MR before device',
    role: 'kms',
    id: { mrAggregated: h(32, 0x99), deviceId: h(32, 0x99) },
    allowed: false,
    reason: DENY.mrAggregated,
  },
  {
    name: 'order: compose before device',
    role: 'app',
    id: { composeHash: h(32, 0x99), deviceId: h(32, 0x99) },
    allowed: false,
    reason: DENY.composeHash,
  },
  // A KMS identity is not an app and vice versa.
  {
    name: 'kms MR does not make an app',
    role: 'app',
    id: { appId: h(20, 0x98) },
    allowed: false,
    reason: DENY.appNotRegistered,
  },
]

describe('evaluateStaticPolicy (auth-simple semantics)', () => {
  for (const c of cases)
    it(c.name, () => {
      expect(evaluateStaticPolicy(config, c.role, toBootInfo(identity(c.id)))).toEqual({
        allowed: c.allowed,
        reason: c.reason,
        gatewayAppId: 'gw-1',
      })
    })

  it('uses the auth-simple reason strings verbatim', () => {
    expect(Object.values(DENY)).toEqual([
      'TCB status is not allowed',
      'advisory ID is not allowed',
      'OS image is not allowed',
      'aggregated MR not allowed',
      'KMS is not allowed to boot on this device',
      'app not registered',
      'compose hash not allowed',
      'app is not allowed to boot on this device',
    ])
  })

  it('denies by default: the empty policy allows nothing', () => {
    const empty = validateStaticPolicy({})
    expect(empty.allowedTcbStatuses).toEqual(['UpToDate'])
    expect(evaluateStaticPolicy(empty, 'kms', toBootInfo(identity())).allowed).toBe(false)
    expect(evaluateStaticPolicy(empty, 'app', toBootInfo(identity())).allowed).toBe(false)
    const osOnly = validateStaticPolicy({ osImages: [hex(32, OS)] })
    expect(evaluateStaticPolicy(osOnly, 'kms', toBootInfo(identity())).reason).toBe(DENY.mrAggregated)
    expect(evaluateStaticPolicy(osOnly, 'app', toBootInfo(identity())).reason).toBe(DENY.appNotRegistered)
  })

  it('accepts 0x-prefixed / uppercase boot info (webhook callers)', () => {
    const b = toBootInfo(identity())
    const shouted = { ...b, osImageHash: `0x${b.osImageHash.toUpperCase()}`, mrAggregated: `0x${b.mrAggregated}` }
    expect(evaluateStaticPolicy(config, 'kms', shouted).allowed).toBe(true)
  })
})
