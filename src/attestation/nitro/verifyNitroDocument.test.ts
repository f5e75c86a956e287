import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { awsRootDer, readNitroVector, sha256Hex } from '../../../test/support/nitro.js'
import { toHex } from '../../crypto/index.js'
import { AWS_NITRO_ROOT_G1_SHA256, createNitroCertCache } from './chain.js'
import { type VerifyNitroDocumentOptions, verifyNitroDocument } from './verifyNitroDocument.js'

const DSTACK = readNitroVector('dstack_nitro_attestation.bin')
const EVERVAULT = readNitroVector('evervault_valid_attestation_doc.cbor')
const DSTACK_TS = 1766668537578
const EVERVAULT_TS = 1665651482136
// the bare COSE document inside the dstack envelope (00 02 bd 46 = V0, Nitro, compact length 4527)
const DSTACK_DOC = DSTACK.subarray(4, 4 + 4527)

const verifyCode = (bytes: Uint8Array, opts: VerifyNitroDocumentOptions = {}) =>
  codeOf(() => verifyNitroDocument(bytes, opts))

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice()
  out[at] = (out[at] as number) ^ 0x01
  return out
}

/** offset of `needle` inside `hay` */
function find(hay: Uint8Array, needle: Uint8Array): number {
  const at = Buffer.from(hay).indexOf(Buffer.from(needle))
  if (at < 0) throw new Error('needle not found')
  return at
}

describe('AWS Nitro root pin', () => {
  it('the pinned fingerprint is the SHA-256 of the shared Root-G1 PEM and of cabundle[0] in both vectors', () => {
    expect(sha256Hex(awsRootDer())).toBe(AWS_NITRO_ROOT_G1_SHA256)
    for (const b of [DSTACK, EVERVAULT])
      expect(sha256Hex(verifyNitroDocument(b).document.cabundle[0] as Uint8Array)).toBe(AWS_NITRO_ROOT_G1_SHA256)
  })
})

describe('verifyNitroDocument on real documents', () => {
  it('verifies the dstack envelope (indefinite-length map) at its own timestamp', () => {
    const v = verifyNitroDocument(DSTACK)
    const d = v.document
    expect(d.moduleId).toBe('i-0827e799ec9232d44-enc019b55a68bd2ed4b')
    expect(d.timestamp).toBe(DSTACK_TS)
    expect(v.checkedAt).toBe(DSTACK_TS)
    expect(d.digest).toBe('SHA384')
    expect([...d.pcrs.keys()]).toEqual([...Array(16).keys()])
    expect(toHex(d.pcrs.get(0) as Uint8Array)).toBe(
      '5cb702954321826d7939d6da829a940d787fcf32357beb8eae1ddf33c28c17d36f3ac3ba6828fdf7edeed02889702da6',
    )
    expect(toHex(d.pcrs.get(1) as Uint8Array)).toBe(
      '0343b056cd8485ca7890ddd833476d78460aed2aa161548e4e26bedf321726696257d623e8805f3f605946b3d8b0c6aa',
    )
    expect(d.userData).toEqual(new Uint8Array(64))
    expect(d.nonce).toBeUndefined()
    expect(d.publicKey).toBeUndefined()
    expect(d.cabundle).toHaveLength(4)
    expect(v.tagged).toBe(false)
    expect(v.debug).toBe(false)
    // dstack embeds os_image_hash = sha256(PCR0‖PCR1‖PCR2) in the envelope config
    expect(toHex(v.osImageHash)).toBe('e0e742bd62280472ea840647754203d599cb39a7966cfed11237c1e86de9c857')
    expect(v.envelope?.config).toBe(`{"os_image_hash":"${toHex(v.osImageHash)}"}`)
    expect(v.envelope?.reportData).toEqual(new Uint8Array(64))
  })

  it('verifies the same document cut out of the envelope (bare COSE_Sign1)', () => {
    const v = verifyNitroDocument(DSTACK_DOC)
    expect(v.envelope).toBeUndefined()
    expect(v.document.moduleId).toBe('i-0827e799ec9232d44-enc019b55a68bd2ed4b')
  })

  it('verifies the evervault document (bare, definite-length map) at its own timestamp', () => {
    expect(EVERVAULT[0]).toBe(0x84)
    const v = verifyNitroDocument(EVERVAULT)
    const d = v.document
    expect(d.moduleId).toBe('i-020b6af9246d90e92-enc0183d09086c24190')
    expect(d.timestamp).toBe(EVERVAULT_TS)
    expect(d.nonce).toHaveLength(256)
    expect(d.userData).toBeUndefined()
    expect(d.publicKey).toBeUndefined() // present as CBOR null
    const set = [...d.pcrs].filter(([, p]) => p.some((x) => x !== 0)).map(([i]) => i)
    expect(set).toEqual([0, 1, 2, 3, 4, 8])
    expect(toHex(d.pcrs.get(0) as Uint8Array).slice(0, 16)).toBe('f4d48b81a460c991')
  })

  it('verifies at a caller-given now inside every validity window', () => {
    expect(verifyNitroDocument(EVERVAULT, { now: EVERVAULT_TS / 1000 + 60 }).checkedAt).toBe(EVERVAULT_TS + 60_000)
  })

  it('refuses both documents at the real current time (certificates expired)', () => {
    const now = Date.now() / 1000
    expect(verifyCode(DSTACK, { now })).toBe('NITRO_CERT_EXPIRED')
    expect(verifyCode(EVERVAULT, { now })).toBe('NITRO_CERT_EXPIRED')
  })

  it('refuses a document before its signing certificate was issued', () => {
    expect(verifyCode(EVERVAULT, { now: EVERVAULT_TS / 1000 - 600 })).toBe('NITRO_CERT_EXPIRED')
  })

  it('refuses a document older than maxAgeSeconds even while the certificates are valid', () => {
    const now = EVERVAULT_TS / 1000 + 2 * 3600
    expect(verifyCode(EVERVAULT, { now })).toBe('NITRO_STALE')
    expect(verifyCode(EVERVAULT, { now, maxAgeSeconds: 3 * 3600 })).toBeUndefined()
  })

  it('checks expectedReportData against user_data in constant time', () => {
    expect(verifyCode(DSTACK, { expectedReportData: new Uint8Array(64) })).toBeUndefined()
    expect(verifyCode(DSTACK, { expectedReportData: new Uint8Array(64).fill(1) })).toBe('NITRO_REPORT_DATA_MISMATCH')
    expect(verifyCode(EVERVAULT, { expectedReportData: new Uint8Array(64) })).toBe('NITRO_REPORT_DATA_MISMATCH')
  })

  it('refuses a different trusted root', () => {
    expect(verifyCode(EVERVAULT, { trustedRootFingerprint: '00'.repeat(32) })).toBe('NITRO_UNTRUSTED_ROOT')
  })

  it('caches parsed certificates and links, with the same verdict', () => {
    const cache = createNitroCertCache()
    const a = verifyNitroDocument(DSTACK, { cache })
    expect(cache.certs.size).toBe(5)
    expect(cache.links.size).toBe(4)
    const b = verifyNitroDocument(DSTACK, { cache })
    expect(b.osImageHash).toEqual(a.osImageHash)
    // a cached chain is still checked for time on every call
    expect(verifyCode(DSTACK, { cache, now: Date.now() / 1000 })).toBe('NITRO_CERT_EXPIRED')
    // and a broken signature is still caught with a warm cache
    expect(verifyCode(flip(DSTACK, 4 + 4527 - 1), { cache })).toBe('NITRO_BAD_SIGNATURE')
  })
})

describe('verifyNitroDocument refuses tampered documents', () => {
  for (const [name, bytes] of [
    ['dstack', DSTACK],
    ['evervault', EVERVAULT],
  ] as const) {
    const doc = verifyNitroDocument(bytes).document
    const docEnd = name === 'dstack' ? 4 + 4527 : bytes.length

    it(`${name}: one flipped bit in the signature → NITRO_BAD_SIGNATURE`, () => {
      expect(verifyCode(flip(bytes, docEnd - 1))).toBe('NITRO_BAD_SIGNATURE')
      expect(verifyCode(flip(bytes, docEnd - 60))).toBe('NITRO_BAD_SIGNATURE')
    })

    it(`${name}: one flipped bit in the payload (PCR0) → NITRO_BAD_SIGNATURE`, () => {
      expect(verifyCode(flip(bytes, find(bytes, doc.pcrs.get(0) as Uint8Array) + 5))).toBe('NITRO_BAD_SIGNATURE')
    })

    it(`${name}: one flipped bit in module_id → NITRO_BAD_SIGNATURE`, () => {
      expect(verifyCode(flip(bytes, find(bytes, new TextEncoder().encode(doc.moduleId)) + 3))).toBe(
        'NITRO_BAD_SIGNATURE',
      )
    })

    it(`${name}: a flipped protected header → NITRO_UNSUPPORTED / NITRO_MALFORMED`, () => {
      const prot = find(bytes, Uint8Array.of(0x44, 0xa1, 0x01, 0x38, 0x22))
      expect(verifyCode(flip(bytes, prot + 4))).toBe('NITRO_UNSUPPORTED') // alg -35 → -36
      expect(verifyCode(flip(bytes, prot + 2))).toBe('NITRO_UNSUPPORTED') // key 1 → 0: no alg
      expect(verifyCode(flip(bytes, prot + 1))).toBe('NITRO_MALFORMED') // map(1) → map(0) + trailing bytes
    })

    it(`${name}: a flipped byte in cabundle[0] → NITRO_UNTRUSTED_ROOT`, () => {
      const at = find(bytes, doc.cabundle[0] as Uint8Array)
      expect(verifyCode(flip(bytes, at + 200))).toBe('NITRO_UNTRUSTED_ROOT')
    })

    for (const i of [1, 2, 3]) {
      it(`${name}: a flipped byte in cabundle[${i}] → NITRO_CHAIN_INVALID`, () => {
        const cert = doc.cabundle[i] as Uint8Array
        const at = find(bytes, cert)
        expect(verifyCode(flip(bytes, at + 40))).toBe('NITRO_CHAIN_INVALID') // inside the TBS (serial / names)
        expect(verifyCode(flip(bytes, at + cert.length - 2))).toBe('NITRO_CHAIN_INVALID') // inside its signature
      })
    }

    it(`${name}: a flipped byte in the signing certificate → NITRO_CHAIN_INVALID`, () => {
      const at = find(bytes, doc.certificate)
      expect(verifyCode(flip(bytes, at + 40))).toBe('NITRO_CHAIN_INVALID')
      expect(verifyCode(flip(bytes, at + doc.certificate.length - 2))).toBe('NITRO_CHAIN_INVALID')
    })
  }

  it('refuses truncated or empty input', () => {
    expect(verifyCode(EVERVAULT.subarray(0, 1000))).toBe('NITRO_MALFORMED')
    expect(verifyCode(new Uint8Array(0))).toBe('NITRO_MALFORMED')
    expect(verifyCode(DSTACK.subarray(0, DSTACK.length - 1))).toBe('NITRO_MALFORMED')
  })
})
