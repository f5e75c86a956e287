import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './hex.js'
import { createSelfSignedCa, createSelfSignedCertificate, issueCertificate, TEN_YEARS_SECONDS } from './x509Certs.js'
import { exportSpkiDer, generateP256KeyPair, p256KeyPairFromScalar } from './x509Keys.js'
import { getCertExtension, isSignedBy, parseCertificate } from './x509Parse.js'

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  eku: '2.5.29.37',
  san: '2.5.29.17',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
}

describe('X.509 certificates', () => {
  it('root CA: O=Dstack, CN=Dstack KMS CA, CA pathLen 1, critical KU keyCertSign+cRLSign+digitalSignature', async () => {
    const keys = await p256KeyPairFromScalar(
      fromHex('f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1'),
    )
    const now = 1_800_000_000
    const ca = await createSelfSignedCa({
      keys,
      subject: { organizationName: 'Dstack', commonName: 'Dstack KMS CA' },
      pathLen: 1,
      now,
    })
    expect(ca.pem.startsWith('-----BEGIN CERTIFICATE-----\n')).toBe(true)
    const c = parseCertificate(ca.der)
    expect(c.subject).toBe('O=Dstack, CN=Dstack KMS CA')
    expect(c.issuer).toBe(c.subject)
    expect(c.isCa).toBe(true)
    expect(c.pathLen).toBe(1)
    expect(c.notBefore).toBe(now)
    expect(c.notAfter).toBe(now + TEN_YEARS_SECONDS)
    expect(toHex(c.spki)).toBe(toHex(await exportSpkiDer(keys.publicKey)))
    // BasicConstraints critical: SEQUENCE { BOOLEAN TRUE, INTEGER 1 }
    const bc = c.extensions.find((e) => e.oid === OID.basicConstraints)
    expect(bc?.critical).toBe(true)
    expect(toHex(bc!.value)).toBe('30060101ff020101')
    // KeyUsage critical BIT STRING: digitalSignature(0) keyCertSign(5) cRLSign(6) = 1000 0110 → 0x86, 1 unused bit
    const ku = c.extensions.find((e) => e.oid === OID.keyUsage)
    expect(ku?.critical).toBe(true)
    expect(toHex(ku!.value)).toBe('03020186')
    expect(getCertExtension(c, OID.ski)).toBeDefined()
    expect(await isSignedBy(ca.der, ca.der)).toBe(true)
  })

  it('UTF8String names (rcgen), O before CN', async () => {
    const keys = await generateP256KeyPair()
    const ca = await createSelfSignedCa({ keys, subject: { organizationName: 'Dstack', commonName: 'X' }, pathLen: 0 })
    // SET { SEQ { OID 2.5.4.10, UTF8String "Dstack" } }
    expect(toHex(ca.der)).toContain('310f300d060355040a0c0644737461636b')
    expect(toHex(ca.der)).toContain('310a300806035504030c0158')
  })

  it('issues a leaf: SANs (DNS + IP), EKU, extra extension, explicit validity, chain verifies', async () => {
    const caKeys = await generateP256KeyPair()
    const ca = await createSelfSignedCa({
      keys: caKeys,
      subject: { organizationName: 'Dstack', commonName: 'Dstack Client Temp CA' },
      pathLen: 0,
    })
    const leafKeys = await generateP256KeyPair()
    const leaf = await issueCertificate({
      issuer: { cert: ca, privateKey: caKeys.privateKey },
      publicKey: await exportSpkiDer(leafKeys.publicKey),
      subject: { commonName: 'kms.example' },
      altNames: ['kms.example', '127.0.0.1'],
      serverAuth: true,
      clientAuth: true,
      extensions: [{ oid: '1.2.3.4', value: new Uint8Array([4, 1, 0xaa]) }],
      notBefore: 1_700_000_000,
      notAfter: new Date(1_900_000_000_000),
    })
    const c = parseCertificate(leaf.der)
    expect(c.subject).toBe('CN=kms.example')
    expect(c.issuer).toBe('O=Dstack, CN=Dstack Client Temp CA')
    expect(c.isCa).toBe(false)
    expect([c.notBefore, c.notAfter]).toEqual([1_700_000_000, 1_900_000_000])
    expect(toHex(getCertExtension(c, OID.keyUsage)!)).toBe('03020780')
    // EKU = SEQUENCE { serverAuth, clientAuth }
    expect(toHex(getCertExtension(c, OID.eku)!)).toBe('301406082b0601050507030106082b06010505070302')
    // SAN = SEQUENCE { [2] "kms.example", [7] 7f000001 }
    expect(toHex(getCertExtension(c, OID.san)!)).toBe('3013820b6b6d732e6578616d706c6587047f000001')
    expect(getCertExtension(c, OID.aki)).toBeDefined()
    const extra = c.extensions.find((e) => e.oid === '1.2.3.4')
    expect(extra).toEqual({ oid: '1.2.3.4', critical: false, value: new Uint8Array([4, 1, 0xaa]) })
    expect(await isSignedBy(leaf.der, ca.der)).toBe(true)
    const other = await createSelfSignedCa({ keys: leafKeys, subject: { commonName: 'other' }, pathLen: 0 })
    expect(await isSignedBy(leaf.der, other.der)).toBe(false)
  })

  it('intermediate CA with pathLen 0 (app CA) and a leaf under it', async () => {
    const rootKeys = await generateP256KeyPair()
    const root = await createSelfSignedCa({ keys: rootKeys, subject: { commonName: 'root' }, pathLen: 1 })
    const appKeys = await generateP256KeyPair()
    const app = await issueCertificate({
      issuer: { cert: root.der, privateKey: rootKeys.privateKey },
      publicKey: appKeys.publicKey,
      subject: { organizationName: 'Dstack', commonName: 'Dstack App CA' },
      ca: { pathLen: 0 },
    })
    const p = parseCertificate(app.der)
    expect([p.isCa, p.pathLen]).toEqual([true, 0])
    const leafKeys = await generateP256KeyPair()
    const leaf = await issueCertificate({
      issuer: { cert: app, privateKey: appKeys.privateKey },
      publicKey: leafKeys.publicKey,
      subject: { commonName: 'app.example' },
    })
    expect(await isSignedBy(leaf.der, app.der)).toBe(true)
    expect(await isSignedBy(leaf.der, root.der)).toBe(false)
  })

  it('refuses notAfter <= notBefore and a negative pathLen; self-signed leaf has no BasicConstraints', async () => {
    const keys = await generateP256KeyPair()
    await expect(
      createSelfSignedCertificate({ keys, subject: { commonName: 'x' }, notBefore: 10, notAfter: 10 }),
    ).rejects.toThrow(RangeError)
    await expect(createSelfSignedCa({ keys, subject: { commonName: 'x' }, pathLen: -1 })).rejects.toThrow(RangeError)
    const leaf = parseCertificate((await createSelfSignedCertificate({ keys, subject: { commonName: 'x' } })).der)
    expect(getCertExtension(leaf, OID.basicConstraints)).toBeUndefined()
    expect(() => parseCertificate(new Uint8Array([0x30, 0x00]))).toThrow(TypeError)
  })
})
