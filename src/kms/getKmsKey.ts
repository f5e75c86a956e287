import { p256Pkcs8Pem, toHex } from '../crypto/index.js'
import { ensureClientCertFromTempCa } from './clientCertIssuer.js'
import type { KmsContextOf } from './context.js'
import { ensureKmsAllowed, ensureSelfAllowed, requirePeer, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import { GetKmsKeyInput, type GetKmsKeyResponse } from './wire.js'

/** `KMS.GetKmsKey`: replication of the root keys to a peer KMS whose attested identity policy allows (role kms). */
export const getKmsKey = (kms: KmsContextOf<'material' | 'self', SelfCheck>) =>
  rpcMethod({
    name: 'GetKmsKey',
    input: GetKmsKeyInput,
    async run(_input, call): Promise<GetKmsKeyResponse> {
      const m = kms.material()
      const peer = await requirePeer(call)
      if (kms.deps.options.requireTempCaClientCert) ensureClientCertFromTempCa(peer, m.tmpCaCertPem)
      await ensureSelfAllowed(kms.deps, kms.self)
      await ensureKmsAllowed(kms.deps, peer.identity)
      kms.deps.logger.info(
        { peerMrAggregated: toHex(peer.identity.mrAggregated), peerDevice: toHex(peer.identity.deviceId) },
        'root keys replicated to peer KMS',
      )
      return {
        temp_ca_key: p256Pkcs8Pem(m.tmpCaKey.expose()),
        keys: [{ ca_key: p256Pkcs8Pem(m.rootCaKey.expose()), k256_key: toHex(m.rootK256Key.expose()) }],
      }
    },
  })
