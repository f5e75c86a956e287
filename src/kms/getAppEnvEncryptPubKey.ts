import { appEnvEncryptPubKey, toHex } from '../crypto/index.js'
import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { ensureSelfAllowed, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import { AppIdInput, type GetAppEnvEncryptPubKeyResponse } from './wire.js'

/** `KMS.GetAppEnvEncryptPubKey`: the X25519 key apps' env vars are encrypted to, signed by the root k256 key. */
export const getAppEnvEncryptPubKey = (kms: KmsContextOf<'material' | 'self', SelfCheck | 'now'>) =>
  rpcMethod({
    name: 'GetAppEnvEncryptPubKey',
    input: AppIdInput,
    async run(input): Promise<GetAppEnvEncryptPubKeyResponse> {
      if (input.app_id.length !== 20)
        throw new KmsError('KMS_BAD_APP_ID', `app_id must be 20 bytes, got ${input.app_id.length}`)
      const m = kms.material()
      await ensureSelfAllowed(kms.deps, kms.self)
      const r = appEnvEncryptPubKey({
        rootCaScalar: m.rootCaKey.expose(),
        rootK256Scalar: m.rootK256Key.expose(),
        appId: input.app_id,
        timestamp: BigInt(Math.floor(kms.deps.now())),
      })
      return {
        public_key: toHex(r.publicKey),
        signature: toHex(r.signature),
        timestamp: Number(r.timestamp),
        signature_v1: toHex(r.signatureV1),
      }
    },
  })
