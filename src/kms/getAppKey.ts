import { deriveDiskCryptKey, equalBytes, toHex } from '../crypto/index.js'
import { ensureClientCertFromTempCa } from './clientCertIssuer.js'
import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { ensureAppAllowed, ensureSelfAllowed, requirePeer, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import { GetAppKeyInput, type GetAppKeyResponse, osImageHashOf } from './wire.js'

/**
 * `KMS.GetAppKey`: verified RA-TLS peer → self check → policy (role app) → derive. Byte-compatible with
 * dstack: disk/env keys from the root CA key, app k256 key + its 65-byte signature from the root k256 key.
 */
export const getAppKey = (kms: KmsContextOf<'material' | 'self' | 'appK256' | 'appEnvKey', SelfCheck>) =>
  rpcMethod({
    name: 'GetAppKey',
    input: GetAppKeyInput,
    async run(input, call): Promise<GetAppKeyResponse> {
      if (input.api_version > 1)
        throw new KmsError('KMS_UNSUPPORTED_API_VERSION', `api_version ${input.api_version} is not supported (max 1)`)
      const m = kms.material()
      const peer = await requirePeer(call)
      if (kms.deps.options.requireTempCaClientCert) ensureClientCertFromTempCa(peer, m.tmpCaCertPem)
      await ensureSelfAllowed(kms.deps, kms.self)
      const identity = peer.identity
      let requested: Uint8Array | undefined
      try {
        requested = osImageHashOf(input.vm_config)
      } catch (e) {
        throw new KmsError('KMS_BAD_INPUT', (e as Error).message)
      }
      if (requested && !equalBytes(requested, identity.osImageHash))
        throw new KmsError('KMS_OS_IMAGE_MISMATCH', 'vm_config.os_image_hash differs from the attested OS image')
      const decision = await ensureAppAllowed(kms.deps, identity)
      if (identity.instanceId.length !== 0 && identity.instanceId.length !== 20)
        throw new KmsError('KMS_BAD_INPUT', `instance id must be empty or 20 bytes, got ${identity.instanceId.length}`)
      if (identity.appId.length !== 20)
        throw new KmsError('KMS_BAD_INPUT', `app id must be 20 bytes, got ${identity.appId.length}`)
      // deriveAppKeys, by its parts: what depends on the app alone (k256 key + signature, env key) comes from the
      // per-app caches (same bytes, derived once per app); only the disk key is the instance's own.
      const k256 = kms.appK256.get(m.rootK256Key, identity.appId)
      const envCryptKey = kms.appEnvKey.key(m.rootCaKey, identity.appId)
      const diskCryptKey = deriveDiskCryptKey(m.rootCaKey.expose(), identity.appId, identity.instanceId)
      const diskHex = toHex(diskCryptKey)
      diskCryptKey.fill(0)
      kms.deps.logger.info(
        { appId: toHex(identity.appId), instanceId: toHex(identity.instanceId) },
        'app keys released',
      )
      return {
        ca_cert: m.rootCaCertPem,
        disk_crypt_key: diskHex,
        env_crypt_key: toHex(envCryptKey.expose()),
        k256_key: toHex(k256.key.expose()),
        k256_signature: toHex(k256.signature),
        tproxy_app_id: decision.gatewayAppId,
        gateway_app_id: decision.gatewayAppId,
        os_image_hash: toHex(identity.osImageHash),
      }
    },
  })
