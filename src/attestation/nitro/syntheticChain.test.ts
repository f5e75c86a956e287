import { beforeAll, describe, expect, it } from 'vitest'
import { thrown } from '../../../test/support/errors.js'
import {
  awsRootDer,
  createFakePki,
  docFields,
  type EncValue,
  encodeCbor,
  type FakeCert,
  Indefinite,
  pcr48,
  sha256Hex,
  signCose,
} from '../../../test/support/nitro.js'
import { NitroError } from './errors.js'
import { type VerifyNitroDocumentOptions, verifyNitroDocument } from './verifyNitroDocument.js'

const AT = Date.UTC(2026, 0, 15, 12, 0, 0)
type Pki = { root: FakeCert; chain: FakeCert[]; leaf: FakeCert }
let pki: Pki
let trust: VerifyNitroDocumentOptions

/** `CODE:field` of the NitroError the document fails with, or undefined when it verifies. */
async function failureOf(bytes: Uint8Array | Promise<Uint8Array>, opts: VerifyNitroDocumentOptions = trust) {
  const b = await bytes
  const e = thrown(() => verifyNitroDocument(b, opts))
  if (e === undefined) return undefined
  if (!(e instanceof NitroError)) throw e
  return `${e.code}${e.meta['field'] ? `:${e.meta['field']}` : ''}`
}

const build = (over: Record<string, EncValue | undefined> = {}, p: Pki = pki, indefinite = false) => {
  const m = docFields(p, AT, over)
  return signCose(encodeCbor(indefinite ? new Indefinite(m) : m), p.leaf.keys.privateKey)
}

beforeAll(async () => {
  pki = await createFakePki({ at: AT })
  trust = { trustedRootFingerprint: sha256Hex(pki.root.der) }
})

describe('synthetic documents from a fake P-384 PKI', () => {
  it('verify with definite and indefinite maps, untagged and tag 18, when the fake root is trusted', async () => {
    const m = docFields(pki, AT)
    for (const payload of [encodeCbor(m), encodeCbor(new Indefinite(m))])
      for (const tagged of [false, true]) {
        const bytes = await signCose(payload, pki.leaf.keys.privateKey, { tagged })
        const v = verifyNitroDocument(bytes, trust)
        expect(v.tagged).toBe(tagged)
        expect(v.document.userData).toEqual(new Uint8Array(64).fill(7))
        expect(v.document.timestamp).toBe(AT)
      }
  })

  it('a chain ending at another root → NITRO_UNTRUSTED_ROOT under the default AWS pin', async () => {
    expect(await failureOf(build(), {})).toBe('NITRO_UNTRUSTED_ROOT')
  })

  it('the fake chain with cabundle[0] replaced by the real AWS root → NITRO_CHAIN_INVALID', async () => {
    const bytes = build({ cabundle: [awsRootDer(), ...pki.chain.map((c) => c.der)] })
    expect(await failureOf(bytes, {})).toBe('NITRO_CHAIN_INVALID')
  })

  it('a document signed by another key than the leaf → NITRO_BAD_SIGNATURE', async () => {
    const m = docFields(pki, AT)
    const bytes = await signCose(encodeCbor(m), pki.chain[0]!.keys.privateKey)
    expect(await failureOf(bytes)).toBe('NITRO_BAD_SIGNATURE:signature')
  })

  it('debug enclaves (PCR0–2 zero) are refused unless allowed', async () => {
    const pcrs = new Map<EncValue, EncValue>([0, 1, 2, 3].map((i) => [i, pcr48(0)]))
    const bytes = await build({ pcrs })
    expect(await failureOf(bytes)).toBe('NITRO_DEBUG:pcrs')
    expect(verifyNitroDocument(bytes, { ...trust, allowDebug: true }).debug).toBe(true)
  })

  it('ignores unknown payload keys', async () => {
    expect(await failureOf(build({ future_field: 'x', extra: [1, 2] }))).toBeUndefined()
  })

  it('refuses a future-dated document beyond the clock skew, accepts small skew', async () => {
    const bytes = await build({ timestamp: AT + 600_000 })
    expect(await failureOf(bytes, { ...trust, now: AT / 1000 })).toBe('NITRO_STALE:timestamp')
    const ok = await build({ timestamp: AT + 60_000 })
    expect(await failureOf(ok, { ...trust, now: AT / 1000 })).toBeUndefined()
  })

  it.each<[string, Record<string, EncValue | undefined>, string]>([
    ['missing module_id', { module_id: undefined }, 'module_id'],
    ['empty module_id', { module_id: '' }, 'module_id'],
    ['digest SHA256', { digest: 'SHA256' }, 'digest'],
    ['text timestamp', { timestamp: '1' }, 'timestamp'],
    ['missing pcrs', { pcrs: undefined }, 'pcrs'],
    ['empty pcrs', { pcrs: new Map() }, 'pcrs'],
    ['PCR index 32', { pcrs: new Map<EncValue, EncValue>([[32, pcr48(1)]]) }, 'pcrs'],
    ['PCR text key', { pcrs: new Map<EncValue, EncValue>([['0', pcr48(1)]]) }, 'pcrs'],
    ['PCR of 47 bytes', { pcrs: new Map<EncValue, EncValue>([[0, new Uint8Array(47)]]) }, 'pcrs[0]'],
    ['null certificate', { certificate: null }, 'certificate'],
    ['empty cabundle', { cabundle: [] }, 'cabundle'],
    ['cabundle entry not bytes', { cabundle: ['x'] }, 'cabundle[0]'],
    ['user_data of 513 bytes', { user_data: new Uint8Array(513) }, 'user_data'],
    ['nonce of 513 bytes', { nonce: new Uint8Array(513) }, 'nonce'],
    ['empty public_key', { public_key: new Uint8Array(0) }, 'public_key'],
  ])('%s → NITRO_MALFORMED naming the field', async (_n, over, field) => {
    expect(await failureOf(build(over))).toBe(`NITRO_MALFORMED:${field}`)
  })

  it('refuses a document without PCR0–2', async () => {
    expect(
      await failureOf(
        build({
          pcrs: new Map<EncValue, EncValue>([
            [0, pcr48(1)],
            [1, pcr48(1)],
          ]),
        }),
      ),
    ).toBe('NITRO_MALFORMED:pcrs[2]')
  })

  it('refuses protected headers other than exactly {1: -35}', async () => {
    const payload = encodeCbor(docFields(pki, AT))
    const key = pki.leaf.keys.privateKey
    const withCrit = encodeCbor(
      new Map<EncValue, EncValue>([
        [1, -35],
        [2, [1]],
      ]),
    )
    expect(await failureOf(signCose(payload, key, { protectedHeader: withCrit }))).toBe('NITRO_UNSUPPORTED:protected')
    const es256 = encodeCbor(new Map<EncValue, EncValue>([[1, -7]]))
    expect(await failureOf(signCose(payload, key, { protectedHeader: es256 }))).toBe('NITRO_UNSUPPORTED:protected')
  })

  it('refuses other COSE shapes', async () => {
    const sig = new Uint8Array(96)
    const p = Uint8Array.of(0xa1, 0x01, 0x38, 0x22)
    expect(await failureOf(encodeCbor([p, new Map(), new Uint8Array(1)]))).toBe('NITRO_MALFORMED:cose')
    expect(await failureOf(encodeCbor([p, new Map(), null, sig]))).toBe('NITRO_MALFORMED:payload')
    expect(await failureOf(encodeCbor([p, new Map(), new Uint8Array(1), new Uint8Array(64)]))).toBe(
      'NITRO_MALFORMED:signature',
    )
    const { CborTag } = await import('./cbor.js')
    expect(await failureOf(encodeCbor(new CborTag(98, [p, new Map(), new Uint8Array(1), sig])))).toBe(
      'NITRO_MALFORMED:cose',
    )
  })
})

describe('chain rules', () => {
  it('a CA certificate as the signing certificate → NITRO_CHAIN_INVALID', async () => {
    const p = await createFakePki({ at: AT, leafIsCa: true })
    expect(await failureOf(build({}, p), { trustedRootFingerprint: sha256Hex(p.root.der) })).toBe('NITRO_CHAIN_INVALID')
  })

  it('a non-CA intermediate → NITRO_CHAIN_INVALID', async () => {
    const p = await createFakePki({ at: AT, intermediateIsCa: false })
    expect(await failureOf(build({}, p), { trustedRootFingerprint: sha256Hex(p.root.der) })).toBe('NITRO_CHAIN_INVALID')
  })

  it('pathLenConstraint is enforced', async () => {
    const ok = await createFakePki({ at: AT, intermediates: 3 })
    expect(await failureOf(build({}, ok), { trustedRootFingerprint: sha256Hex(ok.root.der) })).toBeUndefined()
    const bad = await createFakePki({ at: AT, intermediates: 2, intermediatePathLen: 0 })
    const bytes = await build({}, bad)
    expect(() => verifyNitroDocument(bytes, { trustedRootFingerprint: sha256Hex(bad.root.der) })).toThrow(
      /NITRO_CHAIN_INVALID: cabundle\[1\]: pathLenConstraint 0/,
    )
  })

  it('cabundle out of order → NITRO_CHAIN_INVALID', async () => {
    const p = await createFakePki({ at: AT, intermediates: 2 })
    const bytes = build({ cabundle: [p.root.der, p.chain[1]?.der as Uint8Array, p.chain[0]?.der as Uint8Array] }, p)
    expect(await failureOf(bytes, { trustedRootFingerprint: sha256Hex(p.root.der) })).toBe('NITRO_CHAIN_INVALID')
  })
})
