import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256, sha384 } from '@noble/hashes/sha2.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeVersionedAttestation, type EvidenceVerifier } from '../attestation/index.js'
import {
  type CertConfigV2,
  decodeCsrV2,
  fromHex,
  getGuestKey,
  k256PublicKey,
  recoverGuestKeyChain,
  SecretBytes,
  toHex,
  verifySignCertCsr,
} from '../crypto/index.js'
import { raTlsReportData } from '../net/index.js'
import { SimulatedTee } from '../tee/index.js'
import type { AgentAppKeys } from './appKeys.js'
import { AgentError } from './errors.js'
import { attestationFromQuoteReply } from './eventLog.js'
import { createGuestApi } from './guestApi.js'
import { now, postJson, ROOT_K256, recordingContexts, type SimulatedGuest, simulatedGuest } from './testKit.js'

// dstack guest-agent rpc_service.rs tests: DUMMY_K256_KEY, path "test", purpose "signing" → pinned chain[0]
const DUMMY_K256_KEY = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b'
const DUMMY_CHAIN0 =
  'c8a3dcf06c4e95bd78a5d7a1c8fcff171fc5848cfae804c6fc11bda4dc5d4062379995390843827444992c4c0e4bac70f0f878e01b9fc8b98cd7126fe5a3876b01'
const APP_COMPOSE = '{"manifest_version":2,"name":"démo-app","runner":"docker-compose"}'

let tee: SimulatedTee
let machine: SimulatedGuest['machine']
let verifier: EvidenceVerifier
let keys: AgentAppKeys
let appId: Uint8Array
const { log, signed, context } = recordingContexts(() => ({ tee, verifier, keys }), APP_COMPOSE)

const call = (method: string, body?: unknown, ctx = context()) => postJson(createGuestApi(ctx), `/${method}`, body)

beforeAll(async () => {
  ;({ machine, tee, verifier, keys } = await simulatedGuest(APP_COMPOSE))
  appId = tee.workload.appId
})

describe('/GetKey', () => {
  it('pins dstack vector: DUMMY_K256_KEY, path "test", purpose "signing"', async () => {
    const dummy = { ...keys, k256Key: new SecretBytes(fromHex(DUMMY_K256_KEY)), k256Signature: new Uint8Array(65) }
    const r = await call(
      'GetKey',
      { path: 'test', purpose: 'signing', algorithm: 'secp256k1' },
      context({ keys: () => dummy }),
    )
    expect(r.status).toBe(200)
    expect((r.json.signature_chain as string[])[0]).toBe(DUMMY_CHAIN0)
  })

  it('is byte-identical to getGuestKey and its chain recovers to the KMS root k256 key', async () => {
    for (const algorithm of ['secp256k1', 'k256', '', 'ed25519']) {
      const r = await call('GetKey', { path: 'wallet/0', purpose: 'eth', algorithm })
      expect(r.status).toBe(200)
      const ref = getGuestKey({
        appK256Key: keys.k256Key.expose(),
        k256Signature: keys.k256Signature,
        path: 'wallet/0',
        purpose: 'eth',
        algorithm,
      })
      expect(r.json.key).toBe(toHex(ref.key))
      expect(r.json.signature_chain).toEqual(ref.signatureChain.map(toHex))
      const pub =
        algorithm === 'ed25519'
          ? ed25519.getPublicKey(fromHex(r.json.key as string))
          : k256PublicKey(fromHex(r.json.key as string))
      const walked = recoverGuestKeyChain({
        appId,
        purpose: 'eth',
        publicKey: pub,
        signatureChain: (r.json.signature_chain as string[]).map(fromHex),
      })
      expect(toHex(walked.rootPubkey)).toBe(toHex(k256PublicKey(ROOT_K256)))
    }
  })

  it('defaults (empty body) and GET with a query string', async () => {
    const post = await call('GetKey')
    const app = createGuestApi(context())
    const get = await app.request('/GetKey?path=&purpose=&algorithm=')
    expect(get.status).toBe(200)
    expect(((await get.json()) as { key: string }).key).toBe(post.json.key)
    const q = await app.request('/GetKey?path=a%2Fb&purpose=p')
    const ref = getGuestKey({
      appK256Key: keys.k256Key.expose(),
      k256Signature: keys.k256Signature,
      path: 'a/b',
      purpose: 'p',
    })
    expect(((await q.json()) as { key: string }).key).toBe(toHex(ref.key))
  })

  it('refuses unknown algorithms and malformed input with 400 {error, code}', async () => {
    const bad = await call('GetKey', { path: 'x', algorithm: 'rsa' })
    expect(bad.status).toBe(400)
    expect(bad.json.code).toBe('AGENT_UNSUPPORTED_ALGORITHM')
    expect(typeof bad.json.error).toBe('string')
    expect((await call('GetKey', { path: 5 })).json.code).toBe('AGENT_BAD_INPUT')
    expect((await call('GetKey', '{not json')).json.code).toBe('AGENT_BAD_INPUT')
    expect((await call('GetKey', '[1,2]')).json.code).toBe('AGENT_BAD_INPUT')
    const notReady = await call(
      'GetKey',
      {},
      context({
        keys: () => {
          throw new AgentError('AGENT_NOT_READY', 'no keys')
        },
      }),
    )
    expect(notReady.json.code).toBe('AGENT_NOT_READY')
  })
})

describe('/GetQuote and /Attest', () => {
  it('quote commits to the zero-padded report_data and verifies with the event log and vm_config', async () => {
    const r = await call('GetQuote', { report_data: 'deadbeef' })
    expect(r.status).toBe(200)
    const expected = new Uint8Array(64)
    expected.set([0xde, 0xad, 0xbe, 0xef])
    expect(r.json.report_data).toBe(toHex(expected))
    expect(r.json.attestation).toBe('')
    const reply = r.json as { quote: string; event_log: string; vm_config: string }
    const att = attestationFromQuoteReply(reply)
    const id = await verifier.verify(att, { now: now(), expectedReportData: expected })
    expect(toHex(id.appId)).toBe(toHex(appId))
    // dstack JSON event log: the SDK replays RTMRs from the digests (sha384 chain over 48-byte digests)
    const log = JSON.parse(reply.event_log) as Array<Record<string, unknown>>
    expect(Object.keys(log[0]!)).toEqual(['imr', 'event_type', 'digest', 'event', 'event_payload'])
    let mr: Uint8Array = new Uint8Array(48)
    for (const e of log.filter((x) => x.imr === 3)) mr = sha384(new Uint8Array([...mr, ...fromHex(e.digest as string)]))
    expect(toHex(mr)).toBe(toHex(id.measurements.rtmr![3]))
  })

  it('refuses more than 64 bytes and non-hex report_data', async () => {
    const long = await call('GetQuote', { report_data: '00'.repeat(65) })
    expect(long.status).toBe(400)
    expect(long.json.code).toBe('AGENT_REPORT_DATA_TOO_LONG')
    expect((await call('GetQuote', { report_data: 'xyz' })).json.code).toBe('AGENT_BAD_INPUT')
    expect((await call('Attest', { report_data: '0' })).json.code).toBe('AGENT_BAD_INPUT')
  })

  it('/Attest returns a VersionedAttestation that verifies', async () => {
    const r = await call('Attest', { report_data: `0x${'11'.repeat(64)}` })
    expect(r.status).toBe(200)
    const att = decodeVersionedAttestation(fromHex(r.json.attestation as string))
    await expect(
      verifier.verify(att, { now: now(), expectedReportData: new Uint8Array(64).fill(0x11) }),
    ).resolves.toMatchObject({ platform: 'simulated' })
  })
})

describe('/Info and /Version', () => {
  it('reports the verified identity; tcb_info is a JSON string; non-ASCII is escaped', async () => {
    const r = await call('Info', {})
    expect(r.status).toBe(200)
    expect(Buffer.byteLength(r.text) === r.text.length).toBe(true)
    expect(r.headers.get('content-length')).toBe(String(r.text.length))
    expect(r.json.app_id).toBe(toHex(appId))
    expect(r.json.compose_hash).toBe(toHex(sha256(new TextEncoder().encode(APP_COMPOSE))))
    expect(r.json.instance_id).toBe(toHex(tee.workload.instanceId))
    expect(r.json.app_name).toBe('démo-app')
    expect(r.json.app_cert).toBe('demo-chain')
    expect(typeof r.json.tcb_info).toBe('string')
    const tcb = JSON.parse(r.json.tcb_info as string) as Record<string, unknown>
    expect(tcb.app_compose).toBe(APP_COMPOSE)
    expect(tcb.compose_hash).toBe(r.json.compose_hash)
    expect(tcb.rtmr3).toMatch(/^[0-9a-f]{96}$/)
    expect(Array.isArray(tcb.event_log)).toBe(true)
    expect(r.json.os_image_hash).toBe('ab'.repeat(32))
  })

  it('/Version and unknown methods', async () => {
    const v = await call('Version', {})
    expect(v.json).toMatchObject({ version: expect.any(String), rev: expect.any(String) })
    const u = await call('Nope', {})
    expect(u.status).toBe(404)
    expect(u.json.code).toBe('AGENT_UNKNOWN_METHOD')
  })
})

describe('/EmitEvent', () => {
  it('refuses bad names and payloads, before system-ready and on a platform without a runtime register (never 404)', async () => {
    for (const body of [{ event: '' }, { event: 'a b' }, { event: 'x'.repeat(257) }, { event: 'ok', payload: 'zz' }]) {
      const r = await call('EmitEvent', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.json.code).toBe('AGENT_BAD_INPUT')
    }
    const big = await call('EmitEvent', { event: 'big', payload: '00'.repeat(64 * 1024 + 1) })
    expect(big.status).toBe(400)
    expect(String(big.json.error)).toMatch(/at most 65536/)
    // a platform without emitEvent (e.g. Nitro) says so instead of pretending
    const { emitEvent: _, ...rest } = tee as unknown as Record<string, unknown>
    const noRegister = { ...rest, driver: 'nsm', attest: tee.attest.bind(tee), sealingKey: tee.sealingKey.bind(tee) }
    const r = await call(
      'EmitEvent',
      { event: 'e', payload: '01' },
      context({ tee: noRegister as unknown as SimulatedTee }),
    )
    expect(r.status).toBe(400)
    expect(String(r.json.error)).toMatch(/nsm platform has no runtime measurement register/)
    // the simulated TEE before system-ready: 503, nothing recorded; after it, recorded and in the next quote
    const own = new SimulatedTee({
      machine,
      workload: { appCompose: APP_COMPOSE, osImageHash: 'ab'.repeat(32), awaitKeyProvider: true },
    })
    const early = await call('EmitEvent', { event: 'early', payload: '01' }, context({ tee: own }))
    expect(early.status).toBe(503)
    expect(own.runtimeEvents.some((e) => e.event === 'early')).toBe(false)
    await own.recordKeyProvider(new TextEncoder().encode('{"name":"kms","id":"00"}'))
    const ok = await call('EmitEvent', { event: 'app-ready', payload: '0102' }, context({ tee: own }))
    expect(ok.status).toBe(200)
    expect(ok.json).toEqual({})
    expect(own.runtimeEvents.at(-1)).toEqual({ event: 'app-ready', payload: Uint8Array.of(1, 2) })
    const quote = await own.attest(new Uint8Array(64))
    expect(quote.runtimeEvents.at(-1)?.event).toBe('app-ready')
  })
})

describe('/GetTlsKey', () => {
  it('sends a signed V2 CSR whose evidence is bound to the returned key', async () => {
    signed.length = 0
    const r = await call('GetTlsKey', {
      subject: 'app.example',
      alt_names: ['app.example', 'x.example'],
      usage_ra_tls: true,
      usage_server_auth: true,
      usage_client_auth: false,
      not_after: 2_000_000_000,
    })
    expect(r.status).toBe(200)
    expect(r.json.certificate_chain).toEqual(['leaf-pem', 'app-ca-pem', 'root-pem'])
    expect(r.json.key).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const csr = decodeCsrV2(signed[0]!.csr)
    verifySignCertCsr(csr, signed[0]!.sig)
    expect(csr.config).toMatchObject({
      subject: 'app.example',
      subjectAltNames: ['app.example', 'x.example'],
      usageServerAuth: true,
      usageClientAuth: false,
      extQuote: true,
      extAppInfo: false,
      notAfter: 2_000_000_000n,
    } satisfies Partial<CertConfigV2>)
    const { createPublicKey } = await import('node:crypto')
    const spki = createPublicKey(r.json.key as string).export({ type: 'spki', format: 'der' })
    expect(toHex(csr.pubkey)).toBe(toHex(new Uint8Array(spki)))
    const att = decodeVersionedAttestation(csr.attestation)
    await verifier.verify(att, { now: now(), expectedReportData: raTlsReportData(csr.pubkey) })
  })

  it('GET with a query string (serde_qs style lists and booleans)', async () => {
    signed.length = 0
    const app = createGuestApi(context())
    const r = await app.request('/GetTlsKey?subject=s&alt_names=a&alt_names=b&usage_client_auth=true&not_before=5')
    expect(r.status).toBe(200)
    expect(decodeCsrV2(signed[0]!.csr).config).toMatchObject({
      subject: 's',
      subjectAltNames: ['a', 'b'],
      usageClientAuth: true,
      usageServerAuth: false,
      notBefore: 5n,
    })
  })

  it('refuses not_before ≥ not_after; a KMS refusal surfaces as {error, code}', async () => {
    const r = await call('GetTlsKey', { subject: 's', not_before: 10, not_after: 10 })
    expect(r.json.code).toBe('AGENT_BAD_INPUT')
    const refusing = context({
      signCert: async () => {
        throw new AgentError('AGENT_KMS_REFUSED', 'the KMS refused SignCert: app not registered')
      },
    })
    const k = await call('GetTlsKey', { subject: 's' }, refusing)
    expect(k.json.code).toBe('AGENT_KMS_REFUSED')
    expect(k.json.key).toBeUndefined()
  })
})

describe('/Sign and /Verify', () => {
  it('signs with the "vms"/"signing" key (dstack algorithms) and the chain ends at the KMS root', async () => {
    const data = toHex(new TextEncoder().encode('hello'))
    for (const algorithm of ['ed25519', 'secp256k1', 'secp256k1_prehashed']) {
      const payload = algorithm === 'secp256k1_prehashed' ? toHex(sha256(fromHex(data))) : data
      const r = await call('Sign', { algorithm, data: payload })
      expect(r.status).toBe(200)
      const pub = fromHex(r.json.public_key as string)
      const sig = fromHex(r.json.signature as string)
      if (algorithm === 'ed25519') expect(ed25519.verify(sig, fromHex(data), pub)).toBe(true)
      else expect(secp256k1.verify(sig, sha256(fromHex(data)), pub, { prehash: false })).toBe(true)
      const chain = (r.json.signature_chain as string[]).map(fromHex)
      expect(chain).toHaveLength(3)
      const walked = recoverGuestKeyChain({ appId, purpose: 'signing', publicKey: pub, signatureChain: chain.slice(1) })
      expect(toHex(walked.rootPubkey)).toBe(toHex(k256PublicKey(ROOT_K256)))
      const v = await call('Verify', {
        algorithm,
        data: payload,
        signature: r.json.signature,
        public_key: r.json.public_key,
      })
      expect(v.json).toEqual({ valid: true })
      const flipped = sig.slice()
      flipped[5] = (flipped[5] as number) ^ 1
      const w = await call('Verify', {
        algorithm,
        data: payload,
        signature: toHex(flipped),
        public_key: r.json.public_key,
      })
      expect(w.json).toEqual({ valid: false })
    }
    expect((await call('Sign', { algorithm: 'secp256k1_prehashed', data: 'aa' })).json.code).toBe('AGENT_BAD_INPUT')
    expect((await call('Sign', { algorithm: 'p256', data: 'aa' })).json.code).toBe('AGENT_UNSUPPORTED_ALGORITHM')
    expect(
      (await call('Verify', { algorithm: 'secp256k1', data: 'aa', signature: '00', public_key: '02' })).status,
    ).toBe(400)
  })
})

describe('secrecy', () => {
  it('no app key bytes appear in logs or error replies', async () => {
    await call('GetKey', { algorithm: 'bogus' })
    await call('GetQuote', { report_data: '00'.repeat(70) })
    const text = JSON.stringify(log.entries)
    expect(text).not.toContain(toHex(keys.k256Key.expose()))
    expect(JSON.stringify(keys)).not.toContain(toHex(keys.k256Key.expose()))
  })
})

describe('/GetKey: no two distinct inputs map to one key (strict UTF-8, no lone surrogates)', () => {
  /** POST raw body bytes, exactly as given. */
  async function rawPost(body: Uint8Array) {
    const r = await createGuestApi(context()).request('/GetKey', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return { status: r.status, json: (await r.json()) as Record<string, unknown> }
  }
  const pathBody = (bytes: number[]) =>
    new Uint8Array([...Buffer.from('{"path":"'), ...bytes, ...Buffer.from('","purpose":"p"}')])

  it('invalid UTF-8 in the body is a 400, not U+FFFD; a real U+FFFD (EF BF BD) is still a valid path', async () => {
    const real = await rawPost(pathBody([0xef, 0xbf, 0xbd]))
    expect(real.status).toBe(200)
    const escaped = await call('GetKey', '{"path":"\\ufffd","purpose":"p"}')
    expect(escaped.json.key).toBe(real.json.key)
    // \xff, \xfe, an encoded surrogate (CESU-8), an overlong '/', a truncated sequence
    for (const bad of [[0xff], [0xfe], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82]]) {
      const r = await rawPost(pathBody(bad))
      expect(r.status, Buffer.from(bad).toString('hex')).toBe(400)
      expect(r.json.code).toBe('AGENT_BAD_INPUT')
      expect(r.json.error).toMatch(/UTF-8/)
      expect(r.json.key).toBeUndefined()
    }
  })

  it('lone surrogate escapes (\\ud800, \\udc00) are a 400 anywhere in the JSON; a proper pair is fine', async () => {
    for (const body of [
      '{"path":"\\ud800"}',
      '{"path":"\\udc00"}',
      '{"path":"a\\ud800b"}',
      '{"path":"\\udc00\\ud800"}',
      '{"purpose":"\\udfff"}',
      '{"path":"ok","\\ud800":1}',
    ]) {
      const r = await call('GetKey', body)
      expect(r.status, body).toBe(400)
      expect(r.json.code).toBe('AGENT_BAD_INPUT')
      expect(r.json.error).toMatch(/surrogate/)
    }
    const pair = await call('GetKey', '{"path":"\\ud83d\\ude00"}')
    expect(pair.status).toBe(200)
    expect(pair.json.key).toBe((await rawPost(new Uint8Array(Buffer.from('{"path":"😀"}')))).json.key)
  })

  it('GET: invalid percent-encoded UTF-8 in the query is a 400; %EF%BF%BD is U+FFFD', async () => {
    const get = async (q: string) => {
      const r = await createGuestApi(context()).request(`/GetKey?${q}`)
      return { status: r.status, json: (await r.json()) as Record<string, unknown> }
    }
    for (const q of ['path=%ff', 'path=%FE', 'path=%ED%A0%80', 'path=a%C0%AF', 'path=%E2%82', 'x%ff=1']) {
      const r = await get(q)
      expect(r.status, q).toBe(400)
      expect(r.json.code).toBe('AGENT_BAD_INPUT')
    }
    const ok = await get('path=%EF%BF%BD&purpose=p')
    expect(ok.status).toBe(200)
    expect(ok.json.key).toBe((await call('GetKey', '{"path":"\\ufffd","purpose":"p"}')).json.key)
  })
})
