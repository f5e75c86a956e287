import { type Address, getAddress, type Hex } from 'viem'
import { ChainError } from './errors.js'

/** The Solidity `IAppAuth.AppBootInfo` tuple, as viem encodes it. */
export interface AppBootInfo {
  appId: Address
  composeHash: Hex
  instanceId: Address
  deviceId: Hex
  mrAggregated: Hex
  mrSystem: Hex
  osImageHash: Hex
  tcbStatus: string
  advisoryIds: readonly string[]
}

/**
 * Boot-info fields as the dstack bootAuth body carries them (hex with or without 0x, '' when absent) —
 * structurally the same as policy's `PolicyBootInfo`, whose extra fields are ignored.
 */
export interface BootInfoFields {
  appId: string
  composeHash: string
  instanceId: string
  deviceId: string
  mrAggregated: string
  mrSystem?: string
  osImageHash: string
  tcbStatus?: string
  advisoryIds?: readonly string[]
}

function padHex(field: string, value: string, bytes: number): Hex {
  const h = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (!/^[0-9a-fA-F]*$/.test(h) || h.length > bytes * 2) {
    throw new ChainError('CHAIN_BAD_INPUT', `${field} must be at most ${bytes} bytes of hex`, { field })
  }
  return `0x${h.toLowerCase().padStart(bytes * 2, '0')}`
}

/**
 * Build the AppBootInfo tuple the way dstack's auth-eth does: hex fields left-zero-padded to 20 or 32 bytes
 * ('' becomes zero), tcbStatus '' and advisoryIds [] when absent.
 */
export function toAppBootInfo(f: BootInfoFields): AppBootInfo {
  return {
    appId: getAddress(padHex('appId', f.appId, 20)),
    composeHash: padHex('composeHash', f.composeHash, 32),
    instanceId: getAddress(padHex('instanceId', f.instanceId, 20)),
    deviceId: padHex('deviceId', f.deviceId, 32),
    mrAggregated: padHex('mrAggregated', f.mrAggregated, 32),
    mrSystem: padHex('mrSystem', f.mrSystem ?? '', 32),
    osImageHash: padHex('osImageHash', f.osImageHash, 32),
    tcbStatus: f.tcbStatus ?? '',
    advisoryIds: f.advisoryIds ?? [],
  }
}

/** The reason strings the contracts return (dstack's DstackKms/DstackApp strings, plus Custos additions). */
export const CHAIN_DENY_REASONS = {
  kmsTcb: 'TCB status is not allowed',
  osImage: 'OS image is not allowed',
  kmsMrAggregated: 'Aggregated MR not allowed',
  kmsDevice: 'KMS is not allowed to boot on this device',
  appNotRegistered: 'App not registered',
  appNoCode: 'App not deployed or invalid address',
  appCheckFailed: 'App contract check failed',
  appTcb: 'TCB status is not up to date',
  composeHash: 'Compose hash not allowed',
  appDevice: 'Device not allowed',
} as const
