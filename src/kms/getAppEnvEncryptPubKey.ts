import { PREFIX_ENV_ENCRYPT_PUBKEY, signMessageWithTimestamp, toHex } from '../crypto/index.js'
import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { ensureSelfAllowed, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import { AppIdInput, type GetAppEnvEncryptPubKeyResponse } from './wire.js'

/**
 * `KMS.GetAppEnvEncryptPubKey`: the X25519 key apps' env vars are encrypted to, signed by the root k256 key.
 * Same bytes as crypto's `appEnvEncryptPubKey`: the key and its legacy signature come from the per-app cache,
 * the timestamped signature (signature_v1) is made per request.
 */
export const getAppEnvEncryptPubKey = (kms: KmsContextOf<'material' | 'self' | 'appEnvKey', SelfCheck | 'now'>) =>
  rpcMethod({
    name: 'GetAppEnvEncryptPubKey',
    input: AppIdInput,
    async run(input): Promise<GetAppEnvEncryptPubKeyResponse> {
      if (input.app_id.length !== 20)
        throw new KmsError('KMS_BAD_APP_ID', `app_id must be 20 bytes, got ${input.app_id.length}`)
      const m = kms.material()
      await ensureSelfAllowed(kms.deps, kms.self)
      const timestamp = BigInt(Math.floor(kms.deps.now()))
      const { publicKey, signature } = kms.appEnvKey.publicKey(m.rootCaKey, m.rootK256Key, input.app_id)
      const signatureV1 = signMessageWithTimestamp(
        m.rootK256Key.expose(),
        PREFIX_ENV_ENCRYPT_PUBKEY,
        input.app_id,
        timestamp,
        publicKey,
      )
      return {
        public_key: toHex(publicKey),
        signature: toHex(signature),
        timestamp: Number(timestamp),
        signature_v1: toHex(signatureV1),
      }
    },
  })
