import { generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { concatBytes } from '../bytes.js'
import { fromHex, toHex } from '../hex.js'
import { ScaleWriter } from '../scale.js'
import {
  type CertConfigV2,
  decodeCertConfigV2,
  decodeCsr,
  decodeCsrV1,
  decodeCsrV2,
  encodeCertConfigV2,
  encodeCsrV1,
  encodeCsrV2,
} from './csr.js'
import { verifyCsrSignature, verifySignCertCsr } from './verifyCsrSignature.js'

function csrKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
  return { spki, sign: (b: Uint8Array) => new Uint8Array(nodeSign('sha256', b, privateKey)) }
}

const CONFIG: CertConfigV2 = {
  orgName: 'Acme',
  subject: 'app.example',
  subjectAltNames: ['app.example', '*.app.example'],
  usageServerAuth: true,
  usageClientAuth: false,
  extQuote: true,
  extAppInfo: true,
  notBefore: 1_700_000_000n,
  notAfter: 1_800_000_000n,
}
const ATTESTATION_V0 = concatBytes(Uint8Array.of(0), fromHex('deadbeef'.repeat(10)))
const ATTESTATION_V1 = concatBytes(Uint8Array.of(0x83), fromHex('a7'.repeat(9)))

describe('CertConfigV2 SCALE', () => {
  it('encodes field by field as parity-scale-codec does', () => {
    const minimal: CertConfigV2 = {
      subject: 'a',
      subjectAltNames: [],
      usageServerAuth: false,
      usageClientAuth: true,
      extQuote: false,
      extAppInfo: true,
    }
    // None, "a", [], false, true, false, true, None, None
    expect(toHex(encodeCertConfigV2(minimal))).toBe('00046100000100010000')
    // dstack-kms.md §6.5 CertConfigV2, field by field (hand-written, not from our writer)
    const full = [
      '01 10 41636d65', // org_name: Some("Acme")
      '2c 6170702e6578616d706c65', // subject: "app.example"
      '08 2c 6170702e6578616d706c65 34 2a2e6170702e6578616d706c65', // subject_alt_names: 2 strings
      '01 00 01 01', // usage_server_auth, usage_client_auth, ext_quote, ext_app_info
      '01 00f1536500000000', // not_before: Some(1_700_000_000u64 LE)
      '01 00d2496b00000000', // not_after: Some(1_800_000_000u64 LE)
    ]
    expect(toHex(encodeCertConfigV2(CONFIG))).toBe(full.join('').replace(/\s+/g, ''))
    expect(decodeCertConfigV2(fromHex(full.join('').replace(/\s+/g, '')))).toEqual(CONFIG)
    expect(decodeCertConfigV2(encodeCertConfigV2(CONFIG))).toEqual(CONFIG)
    expect(decodeCertConfigV2(encodeCertConfigV2(minimal))).toEqual(minimal)
  })
})

describe('CSR byte layout (dstack-kms.md §6.5, hand-written bytes)', () => {
  const CONFIRM = '44 706c65617365207369676e20636572743a' // "please sign cert:" (17 bytes, compact 0x44)
  const PUBKEY = '0c aabbcc' // Vec<u8> of 3 bytes (any bytes: the layout does not parse the key)
  const minimalV2 = {
    subject: 'a',
    subjectAltNames: [],
    usageServerAuth: false,
    usageClientAuth: true,
    extQuote: false,
  }
  const hexOf = (...parts: string[]) => parts.join('').replace(/\s+/g, '')

  it('V2: confirm, pubkey, CertConfigV2, then the attestation with no length prefix', () => {
    const want = hexOf(CONFIRM, PUBKEY, '00 04 61 00 00 01 00 01 00 00', '00 deadbeef')
    const csr = {
      confirm: 'please sign cert:',
      pubkey: fromHex('aabbcc'),
      config: { ...minimalV2, extAppInfo: true },
      attestation: fromHex('00deadbeef'),
    }
    expect(toHex(encodeCsrV2(csr))).toBe(want)
    const d = decodeCsrV2(fromHex(want))
    expect([d.confirm, toHex(d.pubkey), toHex(d.attestation)]).toEqual(['please sign cert:', 'aabbcc', '00deadbeef'])
    expect(d.config).toEqual(csr.config)
  })

  it('V1: confirm, pubkey, CertConfig (no ext_app_info / validity), quote and event_log as Vec<u8>', () => {
    const want = hexOf(CONFIRM, PUBKEY, '00 04 61 00 00 01 00', '08 0404', '08 5b5d')
    const csr = {
      confirm: 'please sign cert:',
      pubkey: fromHex('aabbcc'),
      config: minimalV2,
      quote: fromHex('0404'),
      eventLog: new TextEncoder().encode('[]'),
    }
    expect(toHex(encodeCsrV1(csr))).toBe(want)
    const d = decodeCsrV1(fromHex(want))
    expect(d.config).toEqual({ ...minimalV2, extAppInfo: false })
    expect(d.legacyTdx).toEqual({ quote: fromHex('0404'), eventLog: new TextEncoder().encode('[]') })
    expect(toHex(d.signedBytes)).toBe(want)
  })
})

describe('CertSigningRequestV2', () => {
  const k = csrKey()
  const bytes = encodeCsrV2({
    confirm: 'please sign cert:',
    pubkey: k.spki,
    config: CONFIG,
    attestation: ATTESTATION_V0,
  })
  const sig = k.sign(bytes)

  it('round-trips; the attestation is the unprefixed tail', () => {
    const csr = decodeCsr(2, bytes)
    expect(csr.apiVersion).toBe(2)
    expect(csr.confirm).toBe('please sign cert:')
    expect(toHex(csr.pubkey)).toBe(toHex(k.spki))
    expect(csr.config).toEqual(CONFIG)
    expect(toHex(csr.attestation)).toBe(toHex(ATTESTATION_V0))
    expect(toHex(bytes.subarray(bytes.length - ATTESTATION_V0.length))).toBe(toHex(ATTESTATION_V0))
    expect(toHex(csr.signedBytes)).toBe(toHex(bytes))
    const v1att = encodeCsrV2({
      confirm: 'please sign cert:',
      pubkey: k.spki,
      config: CONFIG,
      attestation: ATTESTATION_V1,
    })
    expect(toHex(decodeCsrV2(v1att).attestation)).toBe(toHex(ATTESTATION_V1))
  })

  it('verifies an ECDSA P-256/SHA-256 DER signature made by OpenSSL, high-S included', () => {
    verifySignCertCsr(decodeCsrV2(bytes), sig)
    expect(verifyCsrSignature(bytes, sig, k.spki)).toBe(true)
    const s = p256.Signature.fromBytes(sig, 'der')
    const twin = new p256.Signature(s.r, p256.Point.Fn.ORDER - s.s).toBytes('der')
    expect(verifyCsrSignature(bytes, twin, k.spki)).toBe(true) // ring accepts either S
  })

  it('refuses bad signatures, foreign keys and a wrong confirm word (after the signature, as dstack)', () => {
    const other = csrKey()
    expect(verifyCsrSignature(bytes, other.sign(bytes), k.spki)).toBe(false)
    expect(verifyCsrSignature(bytes, sig.subarray(1), k.spki)).toBe(false)
    expect(verifyCsrSignature(bytes, new Uint8Array(0), k.spki)).toBe(false)
    expect(verifyCsrSignature(bytes, new Uint8Array(64).fill(1), k.spki)).toBe(false)
    expect(verifyCsrSignature(concatBytes(bytes, Uint8Array.of(0)), sig, k.spki)).toBe(false)
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' })
    expect(verifyCsrSignature(bytes, sig, new Uint8Array(k1))).toBe(false)

    const wrong = encodeCsrV2({
      confirm: 'please sign cert',
      pubkey: k.spki,
      config: CONFIG,
      attestation: ATTESTATION_V0,
    })
    expect(codeOf(() => verifySignCertCsr(decodeCsrV2(wrong), k.sign(wrong)))).toBe('KMS_CRYPTO_BAD_CSR')
    expect(codeOf(() => verifySignCertCsr(decodeCsrV2(wrong), sig))).toBe('KMS_CRYPTO_BAD_SIGNATURE')
  })

  it('every truncation is a typed error (never a crash), and so is a missing attestation', () => {
    const header = bytes.length - ATTESTATION_V0.length
    for (let n = 0; n <= header; n++) expect(codeOf(() => decodeCsrV2(bytes.subarray(0, n)))).toBe('KMS_CRYPTO_BAD_CSR')
    expect(codeOf(() => decodeCsrV2(concatBytes(bytes.subarray(0, header), Uint8Array.of(0x42))))).toBe(
      'KMS_CRYPTO_BAD_CSR',
    )
  })

  it('hostile lengths and non-canonical encodings are typed errors', () => {
    const huge = [
      fromHex('ffffffff'), // mode 2, ~2^30
      fromHex('03ffffffff'), // mode 3, 2^32-1
      fromHex('ffffffffffffffffffffffffffffffffff'), // mode 3 with 67 bytes
      fromHex('1300000000000001'), // mode 3, 2^56
    ]
    for (const h of huge) expect(codeOf(() => decodeCsrV2(concatBytes(h, bytes)))).toBe('KMS_CRYPTO_BAD_CSR')
    // "please sign cert:" (17 bytes) with a 2-byte compact length is valid SCALE-ish but non-canonical
    const nonCanonical = concatBytes(Uint8Array.of((17 << 2) | 1, 0), bytes.subarray(1))
    expect(codeOf(() => decodeCsrV2(nonCanonical))).toBe('KMS_CRYPTO_BAD_CSR')
    const w = (f: (x: ScaleWriter) => void) => {
      const x = new ScaleWriter().string('please sign cert:').vecU8(k.spki)
      f(x)
      return x.bytes(ATTESTATION_V0).finish()
    }
    // bad Option tag, bad bool, invalid UTF-8
    expect(codeOf(() => decodeCsrV2(w((x) => x.u8(2))))).toBe('KMS_CRYPTO_BAD_CSR')
    expect(codeOf(() => decodeCsrV2(w((x) => x.u8(0).string('s').compact(0).u8(2))))).toBe('KMS_CRYPTO_BAD_CSR')
    expect(codeOf(() => decodeCsrV2(w((x) => x.u8(0).vecU8(Uint8Array.of(0xff)))))).toBe('KMS_CRYPTO_BAD_CSR')
    expect(codeOf(() => decodeCsr(3, bytes))).toBe('KMS_CRYPTO_BAD_CSR')
  })

  it('random corruptions decode or fail with a typed error only', () => {
    let seed = 12345
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (let i = 0; i < 500; i++) {
      const b = bytes.slice(0, bytes.length - ATTESTATION_V0.length + 2)
      for (let j = 0; j < 3; j++) b[rnd() % b.length] = rnd() & 0xff
      const code = codeOf(() => decodeCsrV2(b))
      expect([undefined, 'KMS_CRYPTO_BAD_CSR']).toContain(code)
      if (code === undefined) {
        // whatever decodes re-encodes to the same bytes, so the signature covers exactly what was parsed
        const d = decodeCsrV2(b)
        expect(toHex(encodeCsrV2(d))).toBe(toHex(b))
      }
    }
  })
})

describe('CertSigningRequestV1', () => {
  const k = csrKey()
  const v1 = {
    confirm: 'please sign cert:',
    pubkey: k.spki,
    config: { subject: 'x', subjectAltNames: ['x'], usageServerAuth: true, usageClientAuth: true, extQuote: true },
    quote: fromHex('04'.repeat(48)),
    eventLog: new TextEncoder().encode('[]'),
  }
  const bytes = encodeCsrV1(v1)

  it('decodes and upgrades to the V2 shape (ext_app_info false, no validity overrides)', () => {
    const csr = decodeCsr(1, bytes)
    expect(csr.apiVersion).toBe(1)
    expect(csr.config).toEqual({ ...v1.config, extAppInfo: false })
    expect(csr.attestation.length).toBe(0)
    expect(csr.legacyTdx).toEqual({ quote: v1.quote, eventLog: v1.eventLog })
    verifySignCertCsr(csr, k.sign(bytes))
  })

  it('ignores trailing bytes like dstack (they are not signed)', () => {
    const csr = decodeCsrV1(concatBytes(bytes, fromHex('ffff')))
    expect(toHex(csr.signedBytes)).toBe(toHex(bytes))
    verifySignCertCsr(csr, k.sign(bytes))
  })

  it('every truncation is a typed error', () => {
    for (let n = 0; n < bytes.length; n++)
      expect(codeOf(() => decodeCsrV1(bytes.subarray(0, n)))).toBe('KMS_CRYPTO_BAD_CSR')
  })
})
