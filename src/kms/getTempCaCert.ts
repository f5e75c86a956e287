import { p256Pkcs8Pem } from '../crypto/index.js'
import type { KmsContextOf } from './context.js'
import { ensureSelfAllowed, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import { EmptyInput, type GetTempCaCertResponse } from './wire.js'

/**
 * `KMS.GetTempCaCert`: the temp CA key is public on purpose (dstack): clients sign their RA-TLS client
 * certs with it only to satisfy TLS chain checks; the security is the evidence inside the cert.
 */
export const getTempCaCert = (kms: KmsContextOf<'material' | 'self', SelfCheck>) =>
  rpcMethod({
    name: 'GetTempCaCert',
    input: EmptyInput,
    async run(): Promise<GetTempCaCertResponse> {
      const m = kms.material()
      await ensureSelfAllowed(kms.deps, kms.self)
      return { temp_ca_cert: m.tmpCaCertPem, temp_ca_key: p256Pkcs8Pem(m.tmpCaKey.expose()), ca_cert: m.rootCaCertPem }
    },
  })
