import { toHex } from '../crypto/index.js'
import type { KmsContextOf } from './context.js'
import { rpcMethod } from './rpcMethod.js'
import { type AttestationInfoResponse, EmptyInput } from './wire.js'

const TEE_VARIANT = {
  tdx: 'dstack-tdx',
  simulated: 'dstack-tdx',
  sgx: 'custos-sgx',
  nitro: 'dstack-nitro-enclave',
} as const

/** `Onboard.GetAttestationInfo`: what an operator allow-lists for this KMS (role kms). */
export const getAttestationInfo = (kms: KmsContextOf<'self', 'policy' | 'options'>) =>
  rpcMethod({
    name: 'GetAttestationInfo',
    input: EmptyInput,
    readOnly: true,
    async run(): Promise<AttestationInfoResponse> {
      const id = await kms.self.get()
      const info = await kms.deps.policy.info()
      return {
        device_id: toHex(id.deviceId),
        mr_aggregated: toHex(id.mrAggregated),
        os_image_hash: toHex(id.osImageHash),
        tee_variant: TEE_VARIANT[id.platform],
        site_name: kms.deps.options.siteName,
        eth_rpc_url: '',
        kms_contract_address: info.kmsContractAddr,
        ppid: toHex(id.measurements.rawDeviceId ?? new Uint8Array(0)),
      }
    },
  })
