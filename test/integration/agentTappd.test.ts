/**
 * The legacy Tappd API (dstack's tappd.sock) against a running devnet KMS, driven by the UNMODIFIED
 * `@phala/dstack-sdk` `TappdClient` over the Tappd unix socket and over the HTTP port: deriveKey (a KMS-issued
 * chain to the root CA for the path's deterministic key), tdxQuote (report_data as dstack's rules give it,
 * computed here independently; the quote verifies), info, isReachable. DeriveK256Key / RawQuote, which the SDK
 * does not wrap, are called raw.
 */
import { createHash, createPrivateKey, hkdfSync, X509Certificate } from 'node:crypto'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attestationFromQuoteReply } from '../../src/agent/index.js'
import { fromHex, guestPublicKey, recoverGuestKeyChain, toHex } from '../../src/crypto/index.js'
import { nullLogger } from '../../src/log.js'
import { TappdClient } from '../clients/dstack-sdk/index.js'
import { type SdkAgent, startSdkAgent, stopDemoDevnet } from '../support/agentDevnet.js'
import { rawRequest } from '../support/http.js'

/** the devnet, the agent, and the app's k256 key fetched independently (the reference for DeriveKey's derivation) */
let s: SdkAgent

beforeAll(async () => {
  s = await startSdkAgent('custos-agent-tappd-', { devnet: { agent: false }, logger: nullLogger })
}, 120_000)

afterAll(() => stopDemoDevnet(s, s?.agent))

/** POST over a unix socket, body as given. */
function unixPost(socketPath: string, path: string, body: string): Promise<{ status: number; json: unknown }> {
  return new Promise((ok, fail) => {
    const req = request(
      { socketPath, path, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => ok({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }))
      },
    )
    req.on('error', fail)
    req.end(body)
  })
}

/** dstack `to_report_data_with_hash`, written out: hash("app-data:" ‖ data) zero-padded to 64 bytes. */
function appDataReportData(alg: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(64)
  out.set(createHash(alg).update('app-data:').update(data).digest())
  return out
}

type TdxQuoteReply = { quote: string; event_log: string; hash_algorithm: string; prefix: string }

it('the agent listens on tappd.sock beside dstack.sock; dstack.sock stays DstackGuest-only', async () => {
  expect(s.agent.endpoints.tappdSocketPath).toBe(join(s.home, 'tappd.sock'))
  const onDstack = await unixPost(s.agent.endpoints.socketPath!, '/prpc/Tappd.Info', '{}')
  expect(onDstack.status).toBe(404)
})

describe.each(['tappd socket', 'HTTP port'])('@phala/dstack-sdk TappdClient over the %s', (kind) => {
  const endpoint = () => (kind === 'tappd socket' ? s.agent.endpoints.tappdSocketPath! : s.agent.endpoints.httpUrl!)
  const client = () => new TappdClient(endpoint())

  it('deriveKey: the path key (dstack HKDF of the app key), KMS-issued chain to the root CA', async () => {
    const r = await client().deriveKey('svc/tls', 'svc.example', ['svc.example', 'alt.example'])
    expect(r.certificate_chain).toHaveLength(3)
    const [leaf, appCa, root] = r.certificate_chain.map((p) => new X509Certificate(p))
    expect(leaf!.verify(appCa!.publicKey)).toBe(true)
    expect(appCa!.verify(root!.publicKey)).toBe(true)
    expect(r.certificate_chain[2]).toBe(s.meta.ca_cert)
    expect(leaf!.subject).toContain('CN=svc.example')
    expect(leaf!.subjectAltName).toContain('DNS:alt.example')
    expect(leaf!.checkPrivateKey(createPrivateKey(r.key))).toBe(true)
    const d = createPrivateKey(r.key).export({ format: 'jwk' }).d as string
    const expected = hkdfSync('sha256', fromHex(s.appKey.k256_key), 'RATLS', 'svc/tls', 32)
    expect(Buffer.from(d, 'base64url').toString('hex')).toBe(Buffer.from(expected).toString('hex'))
    // the same path gives the same key (apps derive secrets from it: asUint8Array), another path another
    const again = await client().deriveKey('svc/tls')
    expect(again.key).toBe(r.key)
    expect(again.asUint8Array(32)).toEqual(r.asUint8Array(32))
    expect((await client().deriveKey('other')).key).not.toBe(r.key)
  })

  it('tdxQuote sha256 / default sha512: report_data = hash("app-data:" ‖ data); the quote verifies', async () => {
    const data = new TextEncoder().encode(`tappd ${kind}`)
    // dstack's TdxQuoteResponse has no vm_config (which carries os_image_hash): a verifier takes it from Info
    const { vm_config } = await client().info()
    for (const [alg, sent] of [
      ['sha256', 'sha256'],
      ['sha512', undefined],
    ] as const) {
      const q = (await client().tdxQuote(data, sent)) as unknown as TdxQuoteReply & { replayRtmrs(): string[] }
      expect(q).toMatchObject({ hash_algorithm: alg, prefix: 'app-data' })
      const expected = appDataReportData(alg, data)
      const id = await s.verifier.verify(attestationFromQuoteReply({ ...q, vm_config }), {
        now: Math.floor(Date.now() / 1000),
        expectedReportData: expected,
      })
      expect(toHex(id.appId)).toBe(s.net.demoApp.appId)
      expect(q.replayRtmrs()[3]).toBe(toHex(id.measurements.rtmr![3]))
    }
  })

  it('tdxQuote raw: the SDK left-pads to 64 bytes and the quote carries exactly those bytes', async () => {
    const data = new Uint8Array(32).map((_, i) => 0xa0 + i)
    const q = (await client().tdxQuote(data, 'raw')) as unknown as TdxQuoteReply
    const { vm_config } = await client().info()
    expect(q).toMatchObject({ hash_algorithm: 'raw', prefix: '' })
    const expected = new Uint8Array(64)
    expected.set(data, 32)
    const id = await s.verifier.verify(attestationFromQuoteReply({ ...q, vm_config }), {
      now: Math.floor(Date.now() / 1000),
      expectedReportData: expected,
    })
    expect(toHex(id.appId)).toBe(s.net.demoApp.appId)
  })

  it('info (the inherited /Info) and isReachable (/prpc/Tappd.Info)', async () => {
    const info = await client().info()
    expect(info.app_id).toBe(s.net.demoApp.appId)
    expect(info.compose_hash).toBe(s.net.demoApp.composeHash)
    expect(info.tcb_info.rtmr3).toMatch(/^[0-9a-f]{96}$/)
    expect(await client().isReachable()).toBe(true)
  })
})

describe('the Tappd methods the SDK does not wrap, and refusals', () => {
  it('DeriveK256Key: GetKey under the old names, chain recovering to GetMeta.k256_pubkey', async () => {
    const r = await unixPost(
      s.agent.endpoints.tappdSocketPath!,
      '/prpc/Tappd.DeriveK256Key',
      JSON.stringify({ path: 'wallet/eth', purpose: 'ethereum' }),
    )
    expect(r.status).toBe(200)
    const body = r.json as { k256_key: string; k256_signature_chain: string[] }
    const walked = recoverGuestKeyChain({
      appId: fromHex(s.net.demoApp.appId),
      purpose: 'ethereum',
      publicKey: guestPublicKey(fromHex(body.k256_key), 'secp256k1'),
      signatureChain: body.k256_signature_chain.map(fromHex),
    })
    expect(toHex(walked.rootPubkey)).toBe(s.meta.k256_pubkey)
  })

  it('RawQuote over HTTP (/prpc/RawQuote, the trimmed name); malformed input is 400 {error, code}', async () => {
    const rd = '5a'.repeat(64)
    const post = (path: string, body: string) =>
      rawRequest(`${s.agent.endpoints.httpUrl}${path}`, { body, headers: { 'content-type': 'application/json' } })
    const r = await post('/prpc/RawQuote', JSON.stringify({ report_data: rd }))
    expect(r.status).toBe(200)
    const att = attestationFromQuoteReply(r.json() as TdxQuoteReply)
    expect(toHex(att.reportData)).toBe(rd)
    for (const [path, body, code] of [
      ['/prpc/Tappd.RawQuote', JSON.stringify({ report_data: '00' }), 'AGENT_BAD_INPUT'],
      ['/prpc/Tappd.TdxQuote', JSON.stringify({ report_data: 'zz' }), 'AGENT_BAD_INPUT'],
      [
        '/prpc/Tappd.TdxQuote',
        JSON.stringify({ report_data: '00', hash_algorithm: 'md5' }),
        'AGENT_UNSUPPORTED_ALGORITHM',
      ],
      ['/prpc/Tappd.DeriveKey', JSON.stringify({ alt_names: 'x', path: 7 }), 'AGENT_BAD_INPUT'],
      ['/prpc/Tappd.DeriveKey', '{', 'AGENT_BAD_INPUT'],
    ] as const) {
      const bad = await post(path, body)
      expect(bad.status, `${path} ${body}`).toBe(400)
      expect(bad.json(), `${path} ${body}`).toMatchObject({ code, error: expect.any(String) })
    }
  })

  it('TappdClient finds the agent through TAPPD_SIMULATOR_ENDPOINT', async () => {
    const prev = process.env.TAPPD_SIMULATOR_ENDPOINT
    process.env.TAPPD_SIMULATOR_ENDPOINT = s.agent.endpoints.tappdSocketPath
    try {
      expect((await new TappdClient().info()).app_id).toBe(s.net.demoApp.appId)
    } finally {
      if (prev === undefined) delete process.env.TAPPD_SIMULATOR_ENDPOINT
      else process.env.TAPPD_SIMULATOR_ENDPOINT = prev
    }
  })
})
