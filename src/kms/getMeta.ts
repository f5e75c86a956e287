import { secp256k1 } from '@noble/curves/secp256k1.js'
import { toHex } from '../crypto/index.js'
import type { KmsContextOf } from './context.js'
import { rpcMethod } from './rpcMethod.js'
import { EmptyInput, type GetMetaResponse } from './wire.js'

/** `KMS.GetMeta`: public probe. k256_pubkey is the 33-byte compressed root signer key. */
export const getMeta = (kms: KmsContextOf<'material', 'policy'>) =>
  rpcMethod({
    name: 'GetMeta',
    input: EmptyInput,
    async run(): Promise<GetMetaResponse> {
      const m = kms.material()
      const info = await kms.deps.policy.info()
      const isDev = kms.deps.policy.kind === 'dev'
      return {
        ca_cert: m.rootCaCertPem,
        allow_any_upgrade: isDev,
        k256_pubkey: toHex(secp256k1.getPublicKey(m.rootK256Key.expose(), true)),
        bootstrap_info: m.bootstrapInfo ?? null,
        is_dev: isDev,
        gateway_app_id: info.gatewayAppId,
        kms_contract_address: info.kmsContractAddr,
        chain_id: info.chainId,
        app_auth_implementation: info.appImplementation,
      }
    },
  })
