/** The agent's KMS client certificate: issued by the KMS temp CA, as a dstack guest's (ra-tls generate_ra_cert). */
import { X509Certificate } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type EvidenceVerifier } from '../attestation/index.js'
import { p256Pkcs8Pem, pemToDer } from '../crypto/index.js'
import { createTmpCaCert, randomScalar } from '../kms/index.js'
import { verifyRaTlsCertificate } from '../net/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import { issueKmsClientCert, type KmsTempCa, parseTempCaReply } from './kmsClientCert.js'

const now = Math.floor(Date.now() / 1000)
let tee: SimulatedTee
let ca: KmsTempCa
let verifier: EvidenceVerifier

beforeAll(async () => {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
  tee = new SimulatedTee({ machine, workload: { osImageHash: new Uint8Array(32).fill(5) } })
  const key = randomScalar(p256.Point.Fn.ORDER)
  ca = { certPem: await createTmpCaCert(key, now), keyPem: p256Pkcs8Pem(key.expose()) }
})

describe('issueKmsClientCert', () => {
  it('issues a client-auth RA-TLS certificate signed by the temp CA, its evidence bound to its key', async () => {
    const c = await issueKmsClientCert(tee, ca, now)
    const cert = new X509Certificate(c.certPem)
    const caCert = new X509Certificate(ca.certPem)
    expect(cert.subject).toBe('CN=RA-TLS TEMP Cert')
    expect(cert.issuer).toBe(caCert.subject)
    expect(cert.checkIssued(caCert)).toBe(true)
    expect(cert.verify(caCert.publicKey)).toBe(true)
    expect(cert.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.2') // clientAuth
    // the RA-TLS check (evidence verified, report_data = SHA-512("ratls-cert:" ‖ SPKI) of this certificate's key)
    const v = await verifyRaTlsCertificate(pemToDer(c.certPem, 'CERTIFICATE'), verifier, now)
    expect(v.spki).toEqual(new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' })))
  })

  it('refuses a temp CA key that is not the certificate key (AGENT_KMS_BAD_REPLY)', async () => {
    const other = p256Pkcs8Pem(randomScalar(p256.Point.Fn.ORDER).expose())
    await expect(issueKmsClientCert(tee, { ...ca, keyPem: other }, now)).rejects.toMatchObject({
      code: 'AGENT_KMS_BAD_REPLY',
    })
  })

  it('parses the GetTempCaCert reply fields (dstack GetTempCaCertResponse) and refuses missing ones', () => {
    expect(parseTempCaReply({ temp_ca_cert: 'c', temp_ca_key: 'k', ca_cert: 'r' })).toEqual({
      certPem: 'c',
      keyPem: 'k',
    })
    expect(() => parseTempCaReply({ temp_ca_cert: 'c' })).toThrow(
      expect.objectContaining({ code: 'AGENT_KMS_BAD_REPLY' }),
    )
  })
})
