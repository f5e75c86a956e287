import { X509Certificate } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeVersionedAttestation } from '../attestation/index.js'
import {
  createSelfSignedCa,
  derToPem,
  exportSpkiDer,
  generateP256KeyPair,
  type P256KeyPair,
  parseCertificate,
  toHex,
  utf8ToBytes,
  type X509Cert,
} from '../crypto/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import { createRaTlsCertificate } from './createRaTlsCertificate.js'
import { NetError } from './errors.js'
import { encodeRaTlsExtensionValue } from './raTlsExtension.js'
import { RATLS_OID } from './raTlsOids.js'
import { raTlsReportData } from './raTlsReportData.js'
import { readRaTlsCertificate } from './readRaTlsCertificate.js'

const APP_ID = new Uint8Array(20).fill(0xa1)
let keys: P256KeyPair
let caKeys: P256KeyPair
let ca: X509Cert
/** a simulated-TEE RA-TLS certificate as a KMS or workload presents it (quote with an embedded PEM chain) */
let attested: X509Cert

beforeAll(async () => {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  const tee = new SimulatedTee({ machine, workload: { osImageHash: new Uint8Array(32).fill(5), appId: APP_ID } })
  keys = await generateP256KeyPair()
  caKeys = await generateP256KeyPair()
  ca = await createSelfSignedCa({ keys: caKeys, subject: { organizationName: 'Dstack', commonName: 'CA' }, pathLen: 0 })
  const attestation = encodeVersionedAttestation(await tee.attest(raTlsReportData(await exportSpkiDer(keys.publicKey))))
  attested = await createRaTlsCertificate({
    keys,
    subject: 'kms.example',
    altNames: ['kms.example', '127.0.0.1'],
    usage: 'kms:rpc',
    appId: APP_ID,
    attestation,
    issuer: { cert: ca, privateKey: caKeys.privateKey },
    serverAuth: true,
  })
})

function expectNetBadCert(f: () => unknown): void {
  let err: unknown
  try {
    f()
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(NetError)
  expect((err as NetError).code).toBe('NET_BAD_CERT')
}

describe('readRaTlsCertificate (strict DER walk)', () => {
  it('reads the same SPKI, validity and extensions as the full X.509 parse', async () => {
    const certs = [
      attested,
      ca,
      await createRaTlsCertificate({ keys, subject: 'plain' }),
      await createRaTlsCertificate({ keys, subject: 'app ca', ca: { pathLen: 0 }, usage: 'app:ca', appId: APP_ID }),
      // notAfter ≥ 2050 is a GeneralizedTime
      await createRaTlsCertificate({ keys, subject: 'far', notBefore: 1_700_000_000, notAfter: 2_600_000_000 }),
    ]
    for (const c of certs) {
      const info = readRaTlsCertificate(c.der)
      const full = parseCertificate(c.der)
      expect(toHex(info.spki)).toBe(toHex(full.spki))
      expect([info.notBefore, info.notAfter]).toEqual([full.notBefore, full.notAfter])
      expect(info.extensions).toEqual(full.extensions)
      expect(info.der).toBe(c.der)
    }
    expect(readRaTlsCertificate(certs[4]!.der).notAfter).toBe(2_600_000_000)
  })

  it('reads the RA-TLS fields; the full parse stays available on demand (not enumerated)', () => {
    const info = readRaTlsCertificate(attested.der)
    expect(info.usage).toBe('kms:rpc')
    expect(info.appId).toEqual(APP_ID)
    expect(info.attestation?.length ?? 0).toBeGreaterThan(1000)
    expect(Object.keys(info)).not.toContain('cert')
    expect(info.cert.subject).toBe('CN=kms.example')
    expect(info.cert.issuer).toBe('O=Dstack, CN=CA')
  })

  it('reads the certificate itself, not PEM text embedded in one of its extensions', async () => {
    const outer = await generateP256KeyPair()
    const cert = await createRaTlsCertificate({
      keys: outer,
      subject: 'outer',
      extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: encodeRaTlsExtensionValue(utf8ToBytes(ca.pem)) }],
    })
    expect(toHex(readRaTlsCertificate(cert.der).spki)).toBe(toHex(await exportSpkiDer(outer.publicKey)))
    // (node's X509Certificate given these DER bytes would find the embedded PEM CA first)
    expect(new X509Certificate(derToPem(cert.der, 'CERTIFICATE')).subject).toBe('CN=outer')
  })

  it('a repeated RA-TLS extension → NET_BAD_CERT naming it', async () => {
    const twice = await createRaTlsCertificate({
      keys,
      subject: 'twice',
      usage: 'kms:rpc',
      extensions: [{ oid: RATLS_OID.certUsage, value: encodeRaTlsExtensionValue(utf8ToBytes('app:custom')) }],
    })
    expect(() => readRaTlsCertificate(twice.der)).toThrow(
      expect.objectContaining({
        code: 'NET_BAD_CERT',
        shortMessage: `the certificate repeats RA-TLS extension ${RATLS_OID.certUsage}`,
      }),
    )
  })

  it('every truncation, trailing bytes and non-certificates → NET_BAD_CERT', () => {
    const der = attested.der
    for (let n = 0; n < der.length; n += n < 64 ? 1 : 97)
      expectNetBadCert(() => readRaTlsCertificate(der.subarray(0, n)))
    expectNetBadCert(() => readRaTlsCertificate(new Uint8Array([...der, 0])))
    expectNetBadCert(() => readRaTlsCertificate(new Uint8Array([1, 2, 3])))
    expectNetBadCert(() => readRaTlsCertificate(ca.der.subarray(0, ca.der.length - 1)))
    // a valid SEQUENCE that is not a certificate
    expectNetBadCert(() => readRaTlsCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])))
    expect(() => readRaTlsCertificate(new Uint8Array([1, 2, 3]))).toThrow(
      'the peer certificate is not a DER X.509 certificate',
    )
  })

  it('random byte corruption is either read or refused with NET_BAD_CERT, never another error', () => {
    let seed = 0x1234567
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed
    }
    const der = attested.der
    let read = 0
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(der)
      // bias towards the header and the TBS structure where the shape is decided
      const at = i % 2 === 0 ? rnd() % 400 : rnd() % b.length
      b[at] = rnd() & 0xff
      try {
        readRaTlsCertificate(b)
        read++
      } catch (e) {
        expect(e).toBeInstanceOf(NetError)
        expect((e as NetError).code).toBe('NET_BAD_CERT')
      }
    }
    expect(read).toBeGreaterThan(0)
  })
})
