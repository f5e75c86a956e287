import { secp256k1 } from '@noble/curves/secp256k1.js'
import { toHex } from '../crypto/index.js'
import type { KmsContextOf } from './context.js'
import { rpcMethod } from './rpcMethod.js'
import type { KmsMaterial } from './types.js'
import { EmptyInput, type GetMetaResponse } from './wire.js'

/** hex of the compressed root k256 public key, per material (a JavaScript scalar multiplication per probe otherwise) */
const k256PubkeyHex = new WeakMap<KmsMaterial, string>()
function k256PubkeyOf(m: KmsMaterial): string {
  let hex = k256PubkeyHex.get(m)
  if (hex === undefined) {
    hex = toHex(secp256k1.getPublicKey(m.rootK256Key.expose(), true))
    k256PubkeyHex.set(m, hex)
  }
  return hex
}

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
        k256_pubkey: k256PubkeyOf(m),
        bootstrap_info: m.bootstrapInfo ?? null,
        is_dev: isDev,
        gateway_app_id: info.gatewayAppId,
        kms_contract_address: info.kmsContractAddr,
        chain_id: info.chainId,
        app_auth_implementation: info.appImplementation,
      }
    },
  })
