import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  createSelfSignedCa,
  exportSpkiDer,
  fromHex,
  generateP256KeyPair,
  isSignedBy,
  parseCertificate,
  toHex,
} from '../crypto/index.js'
import { createRaTlsCertificate, raTlsExtensions } from './createRaTlsCertificate.js'
import { encodeRaTlsExtensionValue } from './raTlsExtension.js'
import { RATLS_OID } from './raTlsOids.js'
import { readRaTlsCertificate } from './readRaTlsCertificate.js'

const APP_ID = fromHex('00112233445566778899aabbccddeeff00112233')
const ATT = new Uint8Array(300).map((_, i) => (i * 7) & 0xff)

describe('createRaTlsCertificate / readRaTlsCertificate', () => {
  it('extension encoding snapshot: exact OIDs, non-critical, double OCTET STRING wrap', async () => {
    const keys = await generateP256KeyPair()
    const cert = await createRaTlsCertificate({
      keys,
      subject: 'kms.example',
      altNames: ['kms.example'],
      usage: 'kms:rpc',
      appId: APP_ID,
      attestation: new Uint8Array([1, 2, 3]),
    })
    const der = toHex(cert.der)
    // Extension ::= SEQUENCE { extnID OID, extnValue OCTET STRING { OCTET STRING content } } (no critical flag)
    expect(der).toContain('3017060a2b0601040183e73d01040409' + '04076b6d733a727063')
    expect(der).toContain('3024060a2b0601040183e73d01030416' + '0414' + toHex(APP_ID))
    expect(der).toContain('3013060a2b0601040183e73d01080405' + '0403010203')
    const exts = parseCertificate(cert.der).extensions.filter((e) => e.oid.startsWith('1.3.6.1.4.1.62397.'))
    expect(exts.map((e) => [e.oid, e.critical])).toEqual([
      [RATLS_OID.appId, false],
      [RATLS_OID.certUsage, false],
      [RATLS_OID.attestation, false],
    ])
    expect(raTlsExtensions({ usage: 'app:ca' })).toEqual([
      { oid: RATLS_OID.certUsage, critical: false, value: fromHex('04066170703a6361') },
    ])
  })

  it('reads back attestation, usage, app id and SPKI; self-signed by default', async () => {
    const keys = await generateP256KeyPair()
    const cert = await createRaTlsCertificate({
      keys,
      subject: 'RA-TLS TEMP Cert',
      usage: 'app:custom',
      appId: APP_ID,
      attestation: ATT,
      clientAuth: true,
    })
    const info = readRaTlsCertificate(cert.der)
    expect(info.attestation).toEqual(ATT)
    expect(info.legacy).toBeUndefined()
    expect(info.usage).toBe('app:custom')
    expect(info.appId).toEqual(APP_ID)
    expect(toHex(info.spki)).toBe(toHex(await exportSpkiDer(keys.publicKey)))
    expect(info.cert.subject).toBe('CN=RA-TLS TEMP Cert')
    expect(await isSignedBy(cert.der, cert.der)).toBe(true)
  })

  it('issued by a CA (dstack tmp CA flow) and a CA-shaped app CA cert', async () => {
    const caKeys = await generateP256KeyPair()
    const ca = await createSelfSignedCa({
      keys: caKeys,
      subject: { organizationName: 'Dstack', commonName: 'Dstack Client Temp CA' },
      pathLen: 0,
    })
    const keys = await generateP256KeyPair()
    const cert = await createRaTlsCertificate({
      keys,
      subject: 'RA-TLS TEMP Cert',
      attestation: ATT,
      issuer: { cert: ca, privateKey: caKeys.privateKey },
    })
    expect(await isSignedBy(cert.der, ca.der)).toBe(true)
    expect(parseCertificate(cert.der).issuer).toBe('O=Dstack, CN=Dstack Client Temp CA')
    const appCa = await createRaTlsCertificate({
      keys,
      subject: { organizationName: 'Dstack', commonName: 'Dstack App CA' },
      ca: { pathLen: 0 },
      appId: APP_ID,
      usage: 'app:ca',
      issuer: { cert: ca, privateKey: caKeys.privateKey },
    })
    const p = readRaTlsCertificate(appCa.der)
    expect([p.cert.isCa, p.cert.pathLen, p.usage, p.attestation]).toEqual([true, 0, 'app:ca', undefined])
  })

  it('reads the legacy .1.1 quote + .1.2 event log (plain and ELGZv1 gzip) when .1.8 is absent', async () => {
    const keys = await generateP256KeyPair()
    const log = new TextEncoder().encode(
      '[{"imr":3,"event_type":134217729,"digest":"00","event":"app-id","event_payload":"aa"}]',
    )
    for (const stored of [log, new Uint8Array([...new TextEncoder().encode('ELGZv1'), ...gzipSync(log)])]) {
      const cert = await createRaTlsCertificate({
        keys,
        subject: 'legacy',
        extensions: [
          { oid: RATLS_OID.tdxQuote, value: encodeRaTlsExtensionValue(new Uint8Array([4, 0, 2])) },
          { oid: RATLS_OID.eventLog, value: encodeRaTlsExtensionValue(stored) },
        ],
      })
      const info = readRaTlsCertificate(cert.der)
      expect(info.attestation).toBeUndefined()
      expect(info.legacy?.quote).toEqual(new Uint8Array([4, 0, 2]))
      expect(info.legacy?.eventLog).toEqual(log)
    }
  })

  it('rejects malformed RA-TLS extensions and non-certificates with NET_BAD_CERT', async () => {
    const keys = await generateP256KeyPair()
    const bad = await createRaTlsCertificate({
      keys,
      subject: 'bad',
      extensions: [{ oid: RATLS_OID.attestation, value: new Uint8Array([0x0c, 0x01, 0x41]) }],
    })
    expect(() => readRaTlsCertificate(bad.der)).toThrow(expect.objectContaining({ code: 'NET_BAD_CERT' }))
    expect(() => readRaTlsCertificate(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: 'NET_BAD_CERT' }),
    )
  })

  it('openssl x509 -text parses a generated RA-TLS certificate', async () => {
    const caKeys = await generateP256KeyPair()
    const ca = await createSelfSignedCa({
      keys: caKeys,
      subject: { organizationName: 'Dstack', commonName: 'Dstack KMS CA' },
      pathLen: 1,
    })
    const keys = await generateP256KeyPair()
    const cert = await createRaTlsCertificate({
      keys,
      subject: 'kms.example',
      altNames: ['kms.example'],
      usage: 'kms:rpc',
      attestation: ATT,
      serverAuth: true,
      issuer: { cert: ca, privateKey: caKeys.privateKey },
    })
    const dir = mkdtempSync(join(tmpdir(), 'custos-ratls-'))
    try {
      writeFileSync(join(dir, 'leaf.pem'), cert.pem)
      writeFileSync(join(dir, 'ca.pem'), ca.pem)
      const text = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text'], {
        encoding: 'utf8',
      })
      expect(text).toContain('Issuer: O = Dstack, CN = Dstack KMS CA')
      expect(text).toContain('Subject: CN = kms.example')
      expect(text).toContain('DNS:kms.example')
      expect(text).toContain('1.3.6.1.4.1.62397.1.4:')
      expect(text).toContain('1.3.6.1.4.1.62397.1.8:')
      expect(text).toContain('TLS Web Server Authentication')
      const verify = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], {
        encoding: 'utf8',
      })
      expect(verify.trim()).toMatch(/: OK$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
