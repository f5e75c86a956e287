/**
 * The legacy Tappd API (`/prpc/Tappd.<Method>`, dstack guest-agent `InternalRpcHandlerV0`). Expected values are
 * computed here independently of the handlers (node:crypto HKDF / hashes, dstack's rules written out).
 */
import { createHash, createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto'
import { keccak_256, keccak_512 } from '@noble/hashes/sha3.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeVersionedAttestation, type EvidenceVerifier } from '../attestation/index.js'
import { decodeCsrV2, getGuestKey, toHex, verifySignCertCsr } from '../crypto/index.js'
import { raTlsReportData } from '../net/index.js'
import type { SimulatedTee } from '../tee/index.js'
import { tappdSocketPathFor } from './appAgent.js'
import type { AgentAppKeys } from './appKeys.js'
import { attestationFromQuoteReply } from './eventLog.js'
import { createGuestApi, tappdMethodName } from './guestApi.js'
import { tappdReportData } from './tappdQuote.js'
import { now, postJson, recordingContexts, simulatedGuest, VM_CONFIG } from './testKit.js'

const APP_COMPOSE = '{"manifest_version":2,"name":"tappd-app","runner":"docker-compose"}'
let tee: SimulatedTee
let verifier: EvidenceVerifier
let keys: AgentAppKeys
const { log, signed, context } = recordingContexts(() => ({ tee, verifier, keys }), APP_COMPOSE)

const tappd = (method: string, body?: unknown, ctx = context()) =>
  postJson(createGuestApi(ctx, { tappd: true }), `/prpc/${method}`, body)

/** dstack `to_report_data_with_hash` written out: hash(tag ‖ ":" ‖ content), zero-padded to 64 bytes. */
function expectedReportData(hash: (b: Uint8Array) => Uint8Array, tag: string, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(64)
  out.set(hash(new Uint8Array([...Buffer.from(`${tag}:`), ...content])))
  return out
}
const nodeHash = (alg: string) => (b: Uint8Array) => new Uint8Array(createHash(alg).update(b).digest())

beforeAll(async () => {
  ;({ tee, verifier, keys } = await simulatedGuest(APP_COMPOSE, ''))
})

describe('tappdReportData (dstack QuoteContentType::to_report_data_with_hash)', () => {
  const data = new TextEncoder().encode('hello tappd')

  it('hash(prefix ‖ ":" ‖ data) zero-padded, prefix "app-data" and sha512 by default', () => {
    const cases: Array<[string, (b: Uint8Array) => Uint8Array]> = [
      ['sha256', nodeHash('sha256')],
      ['sha384', nodeHash('sha384')],
      ['sha512', nodeHash('sha512')],
      ['sha3-256', nodeHash('sha3-256')],
      ['sha3-384', nodeHash('sha3-384')],
      ['sha3-512', nodeHash('sha3-512')],
      ['keccak256', keccak_256],
      ['keccak512', keccak_512],
    ]
    for (const [alg, hash] of cases) {
      const r = tappdReportData(data, alg, '')
      expect(toHex(r.reportData), alg).toBe(toHex(expectedReportData(hash, 'app-data', data)))
      expect(r).toMatchObject({ hashAlgorithm: alg, prefix: 'app-data' })
    }
    expect(tappdReportData(data, '', '')).toMatchObject({ hashAlgorithm: 'sha512', prefix: 'app-data' })
    expect(toHex(tappdReportData(data, '', '').reportData)).toBe(
      toHex(expectedReportData(nodeHash('sha512'), 'app-data', data)),
    )
    const custom = tappdReportData(data, 'sha256', 'my-domain')
    expect(toHex(custom.reportData)).toBe(toHex(expectedReportData(nodeHash('sha256'), 'my-domain', data)))
    expect(custom.prefix).toBe('my-domain')
  })

  it('raw takes exactly 64 bytes, unchanged, and ignores the prefix', () => {
    const rd = new Uint8Array(64).map((_, i) => i)
    expect(tappdReportData(rd, 'raw', 'ignored')).toEqual({ reportData: rd, hashAlgorithm: 'raw', prefix: '' })
    expect(() => tappdReportData(new Uint8Array(63), 'raw', '')).toThrow(
      expect.objectContaining({ code: 'AGENT_BAD_INPUT' }),
    )
    expect(() => tappdReportData(new Uint8Array(65), 'raw', '')).toThrow(
      expect.objectContaining({ code: 'AGENT_REPORT_DATA_TOO_LONG' }),
    )
    for (const bad of ['md5', 'SHA256', 'sha-256', 'toString', '__proto__'])
      expect(() => tappdReportData(data, bad, ''), bad).toThrow(
        expect.objectContaining({ code: 'AGENT_UNSUPPORTED_ALGORITHM' }),
      )
  })
})

describe('/prpc/Tappd.TdxQuote and /prpc/Tappd.RawQuote', () => {
  it('the quote commits to the hashed report_data and verifies; the reply is dstack TdxQuoteResponse', async () => {
    const data = Buffer.from('quote me')
    const r = await tappd('Tappd.TdxQuote', { report_data: data.toString('hex'), hash_algorithm: 'sha256' })
    expect(r.status).toBe(200)
    expect(Object.keys(r.json).sort()).toEqual(['event_log', 'hash_algorithm', 'prefix', 'quote'])
    expect(r.json).toMatchObject({ hash_algorithm: 'sha256', prefix: 'app-data' })
    const expected = expectedReportData(nodeHash('sha256'), 'app-data', data)
    const att = attestationFromQuoteReply({ ...(r.json as { quote: string; event_log: string }), vm_config: VM_CONFIG })
    const id = await verifier.verify(att, { now: now(), expectedReportData: expected })
    expect(toHex(id.appId)).toBe(toHex(tee.workload.appId))
  })

  it('defaults to sha512 / "app-data"; /prpc/TdxQuote is the same method; RawQuote quotes 64 bytes as given', async () => {
    const d = await tappd('TdxQuote', { report_data: 'aabb' })
    expect(d.json).toMatchObject({ hash_algorithm: 'sha512', prefix: 'app-data' })
    const dAtt = attestationFromQuoteReply({ ...(d.json as { quote: string; event_log: string }) })
    expect(toHex(dAtt.reportData)).toBe(
      toHex(expectedReportData(nodeHash('sha512'), 'app-data', Uint8Array.of(0xaa, 0xbb))),
    )
    const rd = '42'.repeat(64)
    for (const [method, body] of [
      ['Tappd.RawQuote', { report_data: rd }],
      ['Tappd.TdxQuote', { report_data: rd, hash_algorithm: 'raw', prefix: 'x' }],
    ] as const) {
      const r = await tappd(method, body)
      expect(r.status, method).toBe(200)
      expect(r.json).toMatchObject({ hash_algorithm: 'raw', prefix: '' })
      const att = attestationFromQuoteReply({ ...(r.json as { quote: string; event_log: string }) })
      expect(toHex(att.reportData)).toBe(rd)
    }
  })

  it('malformed input is a 400 {error, code}, never a 500', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['Tappd.TdxQuote', { report_data: 'xyz' }, 'AGENT_BAD_INPUT'],
      ['Tappd.TdxQuote', { report_data: 'abc' }, 'AGENT_BAD_INPUT'],
      ['Tappd.TdxQuote', { report_data: 12 }, 'AGENT_BAD_INPUT'],
      ['Tappd.TdxQuote', { report_data: '00', hash_algorithm: 'md5' }, 'AGENT_UNSUPPORTED_ALGORITHM'],
      ['Tappd.TdxQuote', { report_data: '00', hash_algorithm: 5 }, 'AGENT_BAD_INPUT'],
      ['Tappd.TdxQuote', { report_data: '00', prefix: ['a'] }, 'AGENT_BAD_INPUT'],
      ['Tappd.TdxQuote', { report_data: '00', hash_algorithm: 'raw' }, 'AGENT_BAD_INPUT'],
      ['Tappd.TdxQuote', { report_data: '00'.repeat(65), hash_algorithm: 'raw' }, 'AGENT_REPORT_DATA_TOO_LONG'],
      ['Tappd.RawQuote', { report_data: '00'.repeat(32) }, 'AGENT_BAD_INPUT'],
      ['Tappd.RawQuote', '{not json', 'AGENT_BAD_INPUT'],
      ['Tappd.DeriveKey', { path: 1 }, 'AGENT_BAD_INPUT'],
      ['Tappd.DeriveKey', { alt_names: [1] }, 'AGENT_BAD_INPUT'],
      ['Tappd.DeriveKey', { random_seed: 'maybe' }, 'AGENT_BAD_INPUT'],
      ['Tappd.DeriveK256Key', { algorithm: 'p256' }, 'AGENT_UNSUPPORTED_ALGORITHM'],
    ]
    for (const [method, body, code] of cases) {
      const r = await tappd(method, body)
      expect(r.status, `${method} ${JSON.stringify(body)}`).toBe(400)
      expect(r.json.code, `${method} ${JSON.stringify(body)}`).toBe(code)
      expect(typeof r.json.error).toBe('string')
    }
    const unknown = await tappd('Tappd.GetKey', {})
    expect(unknown.status).toBe(404)
    expect(unknown.json.code).toBe('AGENT_UNKNOWN_METHOD')
  })

  it('a platform without TDX quotes refuses TdxQuote instead of answering an empty quote', async () => {
    const nitroLike = {
      ...tee,
      driver: 'nsm',
      attest: async (rd: Uint8Array) => ({
        ...(await tee.attest(rd)),
        quote: { type: 'nitro', nsmQuote: Uint8Array.of(1, 2, 3) },
      }),
    } as unknown as SimulatedTee
    const r = await tappd('Tappd.TdxQuote', { report_data: '00' }, context({ tee: nitroLike }))
    expect(r.status).toBe(400)
    expect(String(r.json.error)).toMatch(/nsm platform produces no TDX quote/)
  })
})

describe('/prpc/Tappd.DeriveKey', () => {
  /** dstack `derive_p256_key_pair_from_bytes(k256_key, [path])` via node:crypto: HKDF-SHA256, salt "RATLS". */
  const expectedScalar = (path: string) =>
    toHex(new Uint8Array(hkdfSync('sha256', keys.k256Key.expose(), 'RATLS', Buffer.from(path), 32)))
  const scalarOfPem = (pem: string) =>
    Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d as string, 'base64url').toString('hex')

  it('the path key (dstack HKDF of the app k256 key), certified by a SignCert CSR bound to it', async () => {
    signed.length = 0
    const r = await tappd('Tappd.DeriveKey', {
      path: 'svc/tls',
      subject: 'svc.example',
      alt_names: ['svc.example', 'alt.example'],
      usage_ra_tls: true,
      usage_server_auth: true,
    })
    expect(r.status).toBe(200)
    expect(r.json.certificate_chain).toEqual(['leaf-pem', 'app-ca-pem', 'root-pem'])
    const pem = r.json.key as string
    expect(scalarOfPem(pem)).toBe(expectedScalar('svc/tls'))
    // RustCrypto PKCS#8 (what rcgen `serialize_pem()` gives): 138 DER bytes, so `asUint8Array()` hashes as on dstack
    expect(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).toHaveLength(138)
    const csr = decodeCsrV2(signed[0]!.csr)
    verifySignCertCsr(csr, signed[0]!.sig)
    expect(csr.config).toMatchObject({
      subject: 'svc.example',
      subjectAltNames: ['svc.example', 'alt.example'],
      usageServerAuth: true,
      usageClientAuth: false,
      extQuote: true,
      extAppInfo: false,
    })
    expect(csr.config.notBefore).toBeUndefined()
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' })
    expect(toHex(csr.pubkey)).toBe(toHex(new Uint8Array(spki)))
    const att = decodeVersionedAttestation(csr.attestation)
    await verifier.verify(att, { now: now(), expectedReportData: raTlsReportData(csr.pubkey) })
  })

  it('deterministic per path (the SDK call shape {path, subject}); random_seed gives a fresh key', async () => {
    const a = await tappd('Tappd.DeriveKey', { path: 'p', subject: 'p' })
    const b = await tappd('DeriveKey', { path: 'p', subject: 'p' })
    const c = await tappd('Tappd.DeriveKey', { path: 'q' })
    expect(a.json.key).toBe(b.json.key)
    expect(scalarOfPem(c.json.key as string)).toBe(expectedScalar('q'))
    expect(c.json.key).not.toBe(a.json.key)
    const r1 = await tappd('Tappd.DeriveKey', { path: 'p', random_seed: true })
    const r2 = await tappd('Tappd.DeriveKey', { path: 'p', random_seed: true })
    expect(r1.json.key).not.toBe(a.json.key)
    expect(r1.json.key).not.toBe(r2.json.key)
    expect(JSON.stringify(log.entries)).not.toContain(toHex(keys.k256Key.expose()))
  })
})

describe('/prpc/Tappd.DeriveK256Key, Info, Version; routing', () => {
  it('DeriveK256Key is GetKey under the old field names', async () => {
    const r = await tappd('Tappd.DeriveK256Key', { path: 'wallet', purpose: 'eth' })
    const ref = getGuestKey({
      appK256Key: keys.k256Key.expose(),
      k256Signature: keys.k256Signature,
      path: 'wallet',
      purpose: 'eth',
      algorithm: 'secp256k1',
    })
    expect(r.json).toEqual({ k256_key: toHex(ref.key), k256_signature_chain: ref.signatureChain.map(toHex) })
  })

  it('Info and Version as the DstackGuest ones; GET with a query works as on prpc', async () => {
    const info = await tappd('Tappd.Info', {})
    expect(info.json.app_id).toBe(toHex(tee.workload.appId))
    expect(info.json.app_name).toBe('tappd-app')
    expect(typeof info.json.tcb_info).toBe('string')
    expect((await tappd('Version', {})).json).toMatchObject({ version: expect.any(String) })
    const app = createGuestApi(context(), { tappd: true })
    const get = await app.request('/prpc/Tappd.DeriveK256Key?path=wallet&purpose=eth')
    expect(((await get.json()) as { k256_key: string }).k256_key).toBe(
      (await tappd('Tappd.DeriveK256Key', { path: 'wallet', purpose: 'eth' })).json.k256_key,
    )
    // the DstackGuest methods stay at /<Method> (TappdClient inherits getKey/info/getQuote from DstackClient)
    expect((await app.request('/Info', { method: 'POST', body: '{}' })).status).toBe(200)
  })

  it('the plain guest API (dstack.sock) has no /prpc/ routes; method names trim "Tappd." as dstack does', async () => {
    const plain = await createGuestApi(context()).request('/prpc/Tappd.Info', { method: 'POST', body: '{}' })
    expect(plain.status).toBe(404)
    expect(tappdMethodName('Tappd.Info')).toBe('Info')
    expect(tappdMethodName('Tappd.Tappd.Info')).toBe('Info')
    expect(tappdMethodName('Info')).toBe('Info')
  })

  it('the Tappd socket defaults to tappd.sock beside the dstack socket', () => {
    expect(tappdSocketPathFor({ socketPath: '/var/run/dstack.sock' })).toBe('/var/run/tappd.sock')
    expect(tappdSocketPathFor({ socketPath: '/x/dstack.sock', tappdSocketPath: '/y/t.sock' })).toBe('/y/t.sock')
    expect(tappdSocketPathFor({ socketPath: '/x/dstack.sock', tappdSocketPath: false })).toBeUndefined()
    expect(tappdSocketPathFor({})).toBeUndefined()
    expect(() => tappdSocketPathFor({ socketPath: '/x/tappd.sock' })).toThrow(
      expect.objectContaining({ code: 'AGENT_LISTEN_FAILED' }),
    )
  })
})
