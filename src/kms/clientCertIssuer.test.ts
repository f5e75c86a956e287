/** `[kms] require_temp_ca_client_cert`: only RA-TLS client certificates issued by the temp CA pass. */

import { p256 } from '@noble/curves/nist.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { testIdentity } from '../../test/support/identity.js'
import { pemToDer } from '../crypto/index.js'
import { createAttestedCert } from '../net/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import { randomScalar } from './bootstrap.js'
import { createTmpCaCert } from './certs.js'
import { ensureClientCertFromTempCa } from './clientCertIssuer.js'
import type { RpcPeer } from './rpcMethod.js'

const now = Math.floor(Date.now() / 1000)
const P256_N = p256.Point.Fn.ORDER
let tee: SimulatedTee
const tmpCaKey = randomScalar(P256_N)
const otherCaKey = randomScalar(P256_N)
let tmpCaPem: string
let otherCaPem: string

beforeAll(async () => {
  const machine = await provisionSimulatedMachineInMemory({ vendor: await createSimulatedVendorInMemory() })
  tee = new SimulatedTee({ machine, workload: { osImageHash: new Uint8Array(32).fill(5) } })
  tmpCaPem = await createTmpCaCert(tmpCaKey, now)
  // same subject as the temp CA, another key: the issuer name alone must not pass
  otherCaPem = await createTmpCaCert(otherCaKey, now)
})

const peerOf = (certPem?: string): RpcPeer => ({
  identity: testIdentity(),
  spki: new Uint8Array(0),
  ...(certPem ? { certDer: pemToDer(certPem, 'CERTIFICATE') } : {}),
})
const clientCert = async (issuer?: { key: typeof tmpCaKey; pem: string }) =>
  (
    await createAttestedCert({
      tee,
      subject: 'RA-TLS TEMP Cert',
      clientAuth: true,
      now,
      ...(issuer ? { issuerKey: issuer.key, issuerCertPem: issuer.pem } : {}),
    })
  ).certPem

describe('ensureClientCertFromTempCa', () => {
  it('accepts a client certificate signed by the temp CA', async () => {
    const pem = await clientCert({ key: tmpCaKey, pem: tmpCaPem })
    expect(() => ensureClientCertFromTempCa(peerOf(pem), tmpCaPem)).not.toThrow()
  })

  it.each([
    ['self-signed', () => clientCert()],
    ['signed by another CA of the same name', () => clientCert({ key: otherCaKey, pem: otherCaPem })],
  ])('refuses a %s client certificate with KMS_CLIENT_CERT_NOT_FROM_TEMP_CA', async (_, make) => {
    const pem = await make()
    expect(() => ensureClientCertFromTempCa(peerOf(pem), tmpCaPem)).toThrow(
      expect.objectContaining({ code: 'KMS_CLIENT_CERT_NOT_FROM_TEMP_CA', message: expect.stringMatching(/temp CA/) }),
    )
  })

  it('fails closed when the transport gave no certificate', () => {
    expect(() => ensureClientCertFromTempCa(peerOf(), tmpCaPem)).toThrow(
      expect.objectContaining({ code: 'KMS_CLIENT_CERT_NOT_FROM_TEMP_CA' }),
    )
  })
})
