/**
 * The agent's TCP port against a real KMS node (a 1-node devnet): by default it serves only dstack's external
 * `Worker` API (Info, Version, GetAttestationForAppKey) and answers 404 to every internal method, so no key
 * leaves over TCP; the full internal API there is the explicit simulator option, logged loudly on a real TEE.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AppAgent,
  attestationFromQuoteReply,
  GUEST_API_VERSION,
  GUEST_METHODS,
  startAppAgent,
  TAPPD_METHODS,
  WORKER_METHODS,
} from '../../src/agent/index.js'
import { APP_INFO_KEYS } from '../../src/agent/testKit.js'
import { createVerifier, type EvidenceVerifier } from '../../src/attestation/index.js'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { memoryLogger } from '../../src/log.js'
import { kmsTrustFor } from '../../src/node/index.js'
import { createPlatform, simulatedRootsFor } from '../../src/node/platform.js'
import type { TeePlatform } from '../../src/tee/index.js'
import { DstackClient } from '../clients/dstack-sdk/index.js'
import { type DemoDevnet, startDemoDevnet, stopDemoDevnet } from '../support/agentDevnet.js'
import { rawRequest } from '../support/http.js'

/** a 1-node devnet (no agent of its own) */
let dn: DemoDevnet
let verifier: EvidenceVerifier
let agent: AppAgent
let appCompose: string

const agentOptions = async () => ({
  tee: await createPlatform(dn.appCfg),
  kmsUrl: dn.net.urls[0]!,
  kmsTrust: kmsTrustFor(dn.appCfg),
  verifier,
  appCompose,
})

beforeAll(async () => {
  dn = await startDemoDevnet('custos-agent-worker-', { agent: false })
  appCompose = readFileSync(resolve(dn.home, 'demo-app-compose.json'), 'utf8')
  verifier = createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(dn.appCfg) })
  agent = await startAppAgent({ ...(await agentOptions()), socketPath: join(dn.home, 'dstack.sock'), port: 0 })
}, 120_000)

afterAll(() => stopDemoDevnet(dn, agent))

const post = (path: string, body = '{}') =>
  rawRequest(`${agent.endpoints.httpUrl}${path}`, { body, headers: { 'content-type': 'application/json' } })

describe('the TCP port serves dstack’s external Worker API', () => {
  it('Worker.Info (POST, and GET at the trimmed /prpc/Info): dstack AppInfo of this app', async () => {
    const r = await post('/prpc/Worker.Info')
    expect(r.status).toBe(200)
    expect(r.headers['x-app-version']).toBe(`v${GUEST_API_VERSION} (custos)`)
    const info = r.json() as Record<string, string>
    expect(Object.keys(info).sort()).toEqual(APP_INFO_KEYS)
    expect(info.app_id).toBe(dn.net.demoApp.appId)
    expect(info.compose_hash).toBe(dn.net.demoApp.composeHash)
    expect(JSON.parse(info.tcb_info!)).toMatchObject({
      compose_hash: dn.net.demoApp.composeHash,
      app_compose: appCompose,
    })
    const get = await rawRequest(`${agent.endpoints.httpUrl}/prpc/Info`, { method: 'GET' })
    expect(get.status).toBe(200)
    expect((get.json() as { app_id: string }).app_id).toBe(dn.net.demoApp.appId)
  })

  it('Worker.Version', async () => {
    expect((await post('/prpc/Worker.Version')).json()).toEqual({ version: GUEST_API_VERSION, rev: 'custos' })
  })

  it('Worker.GetAttestationForAppKey: a verifying quote binding the public key of /Sign (never the key)', async () => {
    const r = await post('/prpc/Worker.GetAttestationForAppKey', JSON.stringify({ algorithm: 'secp256k1' }))
    expect(r.status).toBe(200)
    const q = r.json() as { quote: string; event_log: string; report_data: string; vm_config: string }
    expect(Object.keys(q).sort()).toEqual(['attestation', 'event_log', 'quote', 'report_data', 'vm_config'])
    // the key /Sign uses, asked on the unix socket's API (in process)
    const sign = (await (
      await agent.app.request('/Sign', { method: 'POST', body: JSON.stringify({ algorithm: 'secp256k1', data: '00' }) })
    ).json()) as { public_key: string }
    const expected = new Uint8Array(64)
    expected.set(
      new TextEncoder().encode(`dip1::secp256k1c-pk:${Buffer.from(fromHex(sign.public_key)).toString('base64url')}`),
    )
    expect(q.report_data).toBe(toHex(expected))
    const id = await verifier.verify(attestationFromQuoteReply(q), {
      now: Math.floor(Date.now() / 1000),
      expectedReportData: expected,
    })
    expect(toHex(id.appId)).toBe(dn.net.demoApp.appId)
  })

  it('every internal method (GUEST_METHODS, TAPPD_METHODS) outside Worker is 404 under every route', async () => {
    const names = [...new Set([...Object.keys(GUEST_METHODS), ...Object.keys(TAPPD_METHODS)])]
    for (const m of ['GetKey', 'GetTlsKey', 'Sign', 'DeriveKey', 'DeriveK256Key']) expect(names).toContain(m)
    for (const m of names) {
      const routes = [`/${m}`, `/prpc/Tappd.${m}`]
      if (!Object.hasOwn(WORKER_METHODS, m)) routes.push(`/prpc/Worker.${m}`, `/prpc/${m}`)
      for (const path of routes) {
        const r = await post(path, JSON.stringify({ path: 'wallet', purpose: 'signing', subject: 'x' }))
        expect({ path, status: r.status }).toEqual({ path, status: 404 })
        expect((r.json() as { code: string }).code).toBe('AGENT_UNKNOWN_METHOD')
      }
    }
  })

  it('the SDK pointed at the external port gets no key', async () => {
    await expect(new DstackClient(agent.endpoints.httpUrl).getKey('wallet/eth')).rejects.toThrow()
  })
})

describe('the simulator option: the full internal API on the port', () => {
  it('serves GetKey on the port; on a real TEE it logs a loud warning', async () => {
    for (const simulated of [true, false]) {
      const opts = await agentOptions() // fresh: stop() closes the trust policy
      const sim = opts.tee
      // the same evidence, presented as a non-simulated driver: only the warning path differs
      const real: TeePlatform = {
        driver: 'tdx-tsm',
        platform: sim.platform,
        simulated: false,
        attest: (rd) => sim.attest(rd),
        sealingKey: () => sim.sealingKey(),
      }
      const log = memoryLogger()
      const a = await startAppAgent({
        ...opts,
        tee: simulated ? sim : real,
        port: 0,
        internalApiOnPort: true,
        logger: log,
      })
      try {
        const r = await rawRequest(`${a.endpoints.httpUrl}/GetKey`, {
          body: JSON.stringify({ path: 'wallet/eth', purpose: 'signing' }),
          headers: { 'content-type': 'application/json' },
        })
        expect(r.status).toBe(200)
        expect((r.json() as { key: string }).key).toMatch(/^[0-9a-f]{64}$/)
        const warned = log.entries.some((e) => e.level === 'warn' && /SIMULATOR OPTION ON A REAL TEE/.test(e.msg))
        expect(warned).toBe(!simulated)
      } finally {
        await a.stop()
      }
    }
  })

  it('needs a port', async () => {
    await expect(startAppAgent({ ...(await agentOptions()), internalApiOnPort: true })).rejects.toMatchObject({
      code: 'AGENT_LISTEN_FAILED',
    })
  })
})
