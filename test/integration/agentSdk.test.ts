/**
 * The app agent against a running devnet KMS, driven by the UNMODIFIED `@phala/dstack-sdk` over the unix
 * socket and over HTTP: keys (chain to GetMeta.k256_pubkey), quotes (verify with the simulated verifier),
 * info (identity), TLS keys (chain to the KMS root CA).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attestationFromQuoteReply, startAppAgent } from '../../src/agent/index.js'
import { createVerifier } from '../../src/attestation/index.js'
import { fromHex, getGuestKey, guestPublicKey, recoverGuestKeyChain, toHex } from '../../src/crypto/index.js'
import { memoryLogger, nullLogger } from '../../src/log.js'
import { readRaTlsCertificate } from '../../src/net/index.js'
import { kmsTrustFor, loadConfig } from '../../src/node/index.js'
import { createPlatform } from '../../src/node/platform.js'
import { DstackClient, getComposeHash } from '../clients/dstack-sdk/index.js'
import { type SdkAgent, startSdkAgent, stopDemoDevnet } from '../support/agentDevnet.js'
import { rawRequest } from '../support/http.js'

/** the devnet (with its own demo agent), our agent, and the app's keys fetched independently (byte references) */
let s: SdkAgent
const agentLog = memoryLogger()

beforeAll(async () => {
  s = await startSdkAgent('custos-agent-sdk-', { logger: agentLog })
}, 120_000)

afterAll(() => stopDemoDevnet(s, s?.agent))

const endpoints = () => [
  ['unix socket', s.agent.endpoints.socketPath!],
  ['HTTP port', s.agent.endpoints.httpUrl!],
]

describe.each(['unix socket', 'HTTP port'])('@phala/dstack-sdk over the %s', (kind) => {
  const client = () => new DstackClient(endpoints().find(([k]) => k === kind)![1])

  it('getKey: the KMS app key derivation, chain recovering to GetMeta.k256_pubkey', async () => {
    for (const algorithm of ['secp256k1', 'ed25519']) {
      const r = await client().getKey('wallet/eth', 'ethereum', algorithm)
      expect(r.key).toHaveLength(32)
      expect(r.signature_chain).toHaveLength(2)
      const ref = getGuestKey({
        appK256Key: fromHex(s.appKey.k256_key),
        k256Signature: fromHex(s.appKey.k256_signature),
        path: 'wallet/eth',
        purpose: 'ethereum',
        algorithm,
      })
      expect(toHex(r.key)).toBe(toHex(ref.key))
      const walked = recoverGuestKeyChain({
        appId: fromHex(s.net.demoApp.appId),
        purpose: 'ethereum',
        publicKey: guestPublicKey(r.key, algorithm),
        signatureChain: r.signature_chain,
      })
      expect(toHex(walked.rootPubkey)).toBe(s.meta.k256_pubkey)
    }
  })

  it('getQuote: verifies with the simulated verifier and commits to the asked report_data', async () => {
    const asked = new Uint8Array(40).map((_, i) => i + 1)
    const q = await client().getQuote(asked)
    const padded = new Uint8Array(64)
    padded.set(asked)
    expect(q.report_data).toBe(toHex(padded))
    const id = await s.verifier.verify(attestationFromQuoteReply(q), {
      now: Math.floor(Date.now() / 1000),
      expectedReportData: padded,
    })
    expect(toHex(id.appId)).toBe(s.net.demoApp.appId)
    expect(q.replayRtmrs()[3]).toBe(toHex(id.measurements.rtmr![3]))
  })

  it('emitEvent: extends RTMR3 and appears in the event log of the next quote and of Info', async () => {
    const before = await client().getQuote(new Uint8Array(0))
    const name = `custos-test-${kind.replace(/\W/g, '-')}`
    await client().emitEvent(name, 'payload of the event')
    const q = await client().getQuote(new Uint8Array(0))
    const id = await s.verifier.verify(attestationFromQuoteReply(q), { now: Math.floor(Date.now() / 1000) })
    // the verified RTMR3 is the replay of the log, and the log gained our event (last entry)
    expect(q.replayRtmrs()[3]).toBe(toHex(id.measurements.rtmr![3]))
    expect(q.replayRtmrs()[3]).not.toBe(before.replayRtmrs()[3])
    const log = JSON.parse(q.event_log) as Array<{ event: string; event_payload: string; imr: number }>
    expect(log.at(-1)).toMatchObject({
      event: name,
      imr: 3,
      event_payload: toHex(new TextEncoder().encode('payload of the event')),
    })
    const info = await client().info()
    expect(info.tcb_info.rtmr3).toBe(q.replayRtmrs()[3])
    // the identity (app id, compose hash) is unchanged by app events
    expect(toHex(id.appId)).toBe(s.net.demoApp.appId)
    // the SDK swallows a 404; our refusals are 4xx with a reason the raw API shows
    const bad = await rawRequest(`${s.agent.endpoints.httpUrl}/EmitEvent`, {
      method: 'POST',
      body: JSON.stringify({ event: '', payload: '' }),
      headers: { 'content-type': 'application/json' },
    })
    expect(bad.status).toBe(400)
    expect((bad.json() as { error: string }).error).toMatch(/event name cannot be empty/)
  })

  it('info: app_id / compose_hash of the attested identity, tcb_info parsed', async () => {
    const info = await client().info()
    expect(info.app_id).toBe(s.net.demoApp.appId)
    expect(info.compose_hash).toBe(s.net.demoApp.composeHash)
    // the SDK's own compose-hash function reproduces the measured hash from the reported compose
    expect(getComposeHash(JSON.parse(info.tcb_info.app_compose))).toBe(info.compose_hash)
    expect(info.app_name).toBe('demo-app')
    expect(info.tcb_info.compose_hash).toBe(s.net.demoApp.composeHash)
    expect(info.tcb_info.rtmr3).toMatch(/^[0-9a-f]{96}$/)
    expect(info.app_cert).toContain('BEGIN CERTIFICATE')
  })

  it('getTlsKey: KMS-issued chain to the root CA, for the returned key', async () => {
    const r = await client().getTlsKey({
      subject: 'demo.app.example',
      altNames: ['demo.app.example'],
      usageRaTls: true,
    })
    expect(r.certificate_chain).toHaveLength(3)
    const [leaf, appCa, root] = r.certificate_chain.map((p) => new X509Certificate(p))
    expect(leaf!.verify(appCa!.publicKey)).toBe(true)
    expect(appCa!.verify(root!.publicKey)).toBe(true)
    expect(r.certificate_chain[2]).toBe(s.meta.ca_cert)
    expect(leaf!.subject).toContain('CN=demo.app.example')
    expect(leaf!.checkPrivateKey(createPrivateKey(r.key))).toBe(true)
    const ra = readRaTlsCertificate(new Uint8Array(leaf!.raw))
    expect(toHex(ra.appId!)).toBe(s.net.demoApp.appId)
    expect(ra.attestation?.length ?? 0).toBeGreaterThan(0)
    expect(r.asUint8Array().length).toBeGreaterThan(100)
  })
})

describe('agent endpoints and start-up', () => {
  it('the SDK finds the agent through DSTACK_SIMULATOR_ENDPOINT', async () => {
    const prev = process.env.DSTACK_SIMULATOR_ENDPOINT
    process.env.DSTACK_SIMULATOR_ENDPOINT = s.agent.endpoints.socketPath
    try {
      const client = new DstackClient()
      const r = await client.getKey('env/path', 'p')
      const walked = recoverGuestKeyChain({
        appId: fromHex(s.net.demoApp.appId),
        purpose: 'p',
        publicKey: guestPublicKey(r.key, 'secp256k1'),
        signatureChain: r.signature_chain,
      })
      expect(toHex(walked.rootPubkey)).toBe(s.meta.k256_pubkey)
      expect((await client.info()).app_id).toBe(s.net.demoApp.appId)
    } finally {
      if (prev === undefined) delete process.env.DSTACK_SIMULATOR_ENDPOINT
      else process.env.DSTACK_SIMULATOR_ENDPOINT = prev
    }
  })

  it('an app the KMS policy does not know cannot start an agent', async () => {
    writeFileSync(resolve(s.home, 'stranger-compose.json'), '{"name":"stranger"}\n')
    const cfg = loadConfig(s.net.demoApp.home, readFileSync(resolve(s.net.demoApp.home, 'custos.toml'), 'utf8'), {
      tee: { simulated: { app_compose: '../stranger-compose.json' } },
    })
    await expect(
      startAppAgent({
        tee: await createPlatform(cfg),
        kmsUrl: s.net.urls[0]!,
        kmsTrust: kmsTrustFor(cfg),
        verifier: s.verifier,
        socketPath: join(s.home, 'stranger.sock'),
        logger: nullLogger,
      }),
    ).rejects.toMatchObject({ code: 'AGENT_KMS_REFUSED', meta: { kmsCode: 'KMS_APP_NOT_ALLOWED' } })
  })

  it('the agent refuses a KMS whose evidence it does not trust', async () => {
    await expect(
      startAppAgent({
        tee: await createPlatform(s.appCfg),
        kmsUrl: s.net.urls[0]!,
        kmsTrust: kmsTrustFor(s.appCfg),
        verifier: createVerifier({ trustSimulated: false, simulatedRoots: [] }),
        port: 0,
        logger: nullLogger,
      }),
    ).rejects.toMatchObject({ code: 'AGENT_KMS_UNTRUSTED', meta: { reason: 'NET_PEER_REJECTED' } })
  })

  it('app keys never reach the agent log', () => {
    const text = JSON.stringify(agentLog.entries)
    expect(agentLog.entries.length).toBeGreaterThan(0)
    expect(text).not.toContain(s.appKey.k256_key)
  })
})
