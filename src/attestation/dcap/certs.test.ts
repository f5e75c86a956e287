import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestWorld, type TestWorld } from '../../../test/support/dcapWorld.js'
import { checkIssuedBy, parseCert } from './certs.js'
import type { DcapError } from './errors.js'
import { SGX_EXTENSION_OID } from './pckExtension.js'

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
let world: TestWorld

beforeAll(async () => {
  world = await buildTestWorld()
})

/**
 * A forged PCK leaf: its own key and SGX extension (another PPID), issuer name = the PCK CA, signed by the
 * attacker, with the PEM of the genuine PCK leaf hidden in an extension. OpenSSL, given DER bytes, parses
 * the first PEM block it finds inside them.
 */
async function forgedLeafWrapping(genuine: x509.X509Certificate): Promise<Uint8Array> {
  const k = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as webcrypto.CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0badc0de',
    subject: 'CN=Test SGX PCK Certificate, O=Custos Test',
    issuer: world.pckCa.subject,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    signingAlgorithm: ALG,
    publicKey: k.publicKey,
    signingKey: k.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.Extension('1.3.6.1.4.1.99999.1', false, new TextEncoder().encode(`\n${genuine.toString('pem')}\n`)),
      new x509.Extension(
        SGX_EXTENSION_OID,
        false,
        world.pckLeaf.getExtension(SGX_EXTENSION_OID)?.value ?? new ArrayBuffer(0),
      ),
    ],
  })
  return new Uint8Array(cert.rawData)
}

describe('parseCert reads exactly the certificate it is given', () => {
  it('a certificate carrying another certificate as PEM is parsed as itself, not as the embedded one', async () => {
    const forged = await forgedLeafWrapping(world.pckLeaf)
    const c = parseCert(forged, 'PCK leaf certificate')
    expect(Buffer.from(c.node.raw).equals(Buffer.from(forged))).toBe(true)
    expect(c.serial).toBe('badc0de')
    expect(c.node.serialNumber.toLowerCase()).toMatch(/^0*badc0de$/)
  })

  it('so a forged leaf wrapping a genuine PCK certificate does not pass as issued by the PCK CA', async () => {
    const forged = parseCert(await forgedLeafWrapping(world.pckLeaf), 'PCK leaf certificate')
    const ca = parseCert(new Uint8Array(world.pckCa.rawData), 'PCK CA certificate')
    let code = ''
    try {
      checkIssuedBy(forged, ca)
    } catch (e) {
      code = (e as DcapError).code
    }
    expect(code).toBe('DCAP_CERT_CHAIN')
    // the genuine leaf still verifies
    expect(() => checkIssuedBy(parseCert(new Uint8Array(world.pckLeaf.rawData), 'leaf'), ca)).not.toThrow()
  })

  it('garbage is a DCAP_CERT_CHAIN error', () => {
    expect(() => parseCert(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), 'x')).toThrow(
      expect.objectContaining({ code: 'DCAP_CERT_CHAIN' }) as DcapError,
    )
  })
})
