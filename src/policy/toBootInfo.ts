import type { Identity, Platform } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import type { PolicyBootInfo, TeeVariant } from './types.js'

/** Identity.platform → dstack teeVariant. The simulated TEE uses the TDX layout, so it reports as TDX. */
export const TEE_VARIANT_OF: Record<Platform, TeeVariant> = {
  tdx: 'dstack-tdx',
  simulated: 'dstack-tdx',
  nitro: 'dstack-nitro-enclave',
  sgx: 'custos-sgx',
}

/** The dstack bootAuth body for an identity (field order as dstack serialises it). Pure. */
export function toBootInfo(identity: Identity): PolicyBootInfo {
  return {
    teeVariant: TEE_VARIANT_OF[identity.platform],
    mrAggregated: toHex(identity.mrAggregated),
    osImageHash: toHex(identity.osImageHash),
    mrSystem: toHex(identity.mrSystem),
    appId: toHex(identity.appId),
    composeHash: toHex(identity.composeHash),
    instanceId: toHex(identity.instanceId),
    deviceId: toHex(identity.deviceId),
    keyProviderInfo: toHex(identity.keyProviderInfo),
    tcbStatus: identity.tcbStatus,
    advisoryIds: [...identity.advisoryIds],
  }
}
