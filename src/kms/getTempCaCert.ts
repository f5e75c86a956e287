import { p256Pkcs8Pem } from './crypto/index.js'
import { ensureSelfAllowed } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import type { KmsService } from './service.js'
import { EmptyInput } from './wire.js'

/**
 * `KMS.GetTempCaCert`: the temp CA key is public on purpose (dstack): clients sign their RA-TLS client
 * certs with it only to satisfy TLS chain checks; the security is the evidence inside the cert.
 */
export const getTempCaCert = (kms: KmsService) =>
  rpcMethod({
    name: 'GetTempCaCert',
    input: EmptyInput,
    async run() {
      const m = kms.material()
      await ensureSelfAllowed(kms.deps, kms.self)
      return { temp_ca_cert: m.tmpCaCertPem, temp_ca_key: p256Pkcs8Pem(m.tmpCaKey.expose()), ca_cert: m.rootCaCertPem }
    },
  })
