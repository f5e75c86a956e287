/**
 * The app agent against a real KMS node (a 1-node devnet): it fetches the demo app's keys over mutual attested
 * TLS, serves the guest API in-process, measures which KMS the keys came from, and cleans up on refusal.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AgentError, createAppAgent, type KmsTrust, startAppAgent } from '../../src/agent/index.js'
import { toHex } from '../../src/crypto/index.js'
import { memoryLogger } from '../../src/log.js'
import { appComposeOf, type Config, callKmsAsWorkload, kmsTrustFor, loadConfig } from '../../src/node/index.js'
import { createPlatform, verifierFor } from '../../src/node/platform.js'
import { SimulatedTee } from '../../src/tee/index.js'
import { type DemoDevnet, startDemoDevnet, stopDemoDevnet } from '../support/agentDevnet.js'

/** a 1-node devnet (no agent of its own) */
let dn: DemoDevnet

const appConfig = (over: Record<string, unknown> = {}): Config => loadConfig(dn.net.demoApp.home, dn.appToml, over)

/** What the agent needs for the workload of `cfg`: its (fresh) TEE, verifier and the KMS trust of its config. */
async function agentOptions(cfg: Config) {
  const tee = await createPlatform(cfg)
  if (!(tee instanceof SimulatedTee)) throw new Error('the devnet demo app runs on the simulated TEE')
  return {
    tee,
    kmsUrl: dn.net.urls[0]!,
    kmsTrust: kmsTrustFor(cfg) as KmsTrust,
    verifier: await verifierFor(cfg),
    appCompose: appComposeOf(cfg),
  }
}

const post = async (
  agent: { app: { request: (p: string, i: RequestInit) => Response | Promise<Response> } },
  path: string,
  body = '{}',
) => agent.app.request(path, { method: 'POST', body })

beforeAll(async () => {
  dn = await startDemoDevnet('custos-app-agent-', { agent: false })
}, 120_000)

afterAll(() => stopDemoDevnet(dn))

describe('AppAgent against a real KMS', () => {
  it('start → keys from the KMS → in-process API with the demo certificate; stop wipes the keys', async () => {
    const cfg = appConfig()
    const opts = await agentOptions(cfg)
    const log = memoryLogger()
    const agent = createAppAgent({ ...opts, logger: log })
    expect(agent.ready).toBe(false)
    expect(() => agent.app).toThrow(expect.objectContaining({ code: 'AGENT_NOT_READY' }))
    expect(await agent.start()).toEqual({}) // no socket or port configured: in-process only
    expect(agent.ready).toBe(true)
    expect(log.entries.some((e) => e.msg === 'app keys received')).toBe(true)

    const r = await post(agent, '/GetKey', '{"path":"a"}')
    expect(r.status).toBe(200)
    expect((await r.json()) as { key: string }).toMatchObject({ key: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const info = (await (await post(agent, '/Info')).json()) as Record<string, string>
    expect(info.app_id).toBe(dn.net.demoApp.appId)
    // the KMS signed the demo certificate (SignCert with this app's evidence)
    expect(info.app_cert).toMatch(/^-----BEGIN CERTIFICATE-----/)

    const app = agent.app
    await agent.stop()
    expect(agent.ready).toBe(false)
    const after = await app.request('/GetKey', { method: 'POST', body: '{}' })
    expect(((await after.json()) as { code: string }).code).toBe('AGENT_NOT_READY')

    // the app keys the KMS releases to this app never reach the agent's log
    const keys = await callKmsAsWorkload({ config: cfg, kmsUrl: dn.net.urls[0]!, method: 'GetAppKey', body: {} })
    expect(keys.status).toBe(200)
    const logText = JSON.stringify(log.entries)
    for (const field of ['k256_key', 'disk_crypt_key', 'env_crypt_key'] as const)
      expect(logText).not.toContain((keys.body as Record<string, string>)[field])
  })

  it('sends the vm_config of its own evidence: a different os_image_hash is refused by the KMS', async () => {
    const opts = await agentOptions(appConfig())
    const vmConfig = JSON.stringify({ os_image_hash: 'ab'.repeat(32) })
    const e = await startAppAgent({ ...opts, vmConfig, demoCert: false }).then(
      async (a) => {
        await a.stop()
        return undefined
      },
      (err: unknown) => err as AgentError,
    )
    expect(e).toBeInstanceOf(AgentError)
    expect(e).toMatchObject({ code: 'AGENT_KMS_REFUSED', meta: { kmsCode: 'KMS_OS_IMAGE_MISMATCH' } })
  })

  it('measures which KMS the keys came from (key-provider before system-ready), as dstack guests do', async () => {
    const opts = await agentOptions(appConfig())
    const { tee } = opts
    expect(tee.awaitingKeyProvider).toBe(true)
    expect(() => tee.emitEvent('app-event', Uint8Array.of(1))).toThrow(/boot measurement is not complete/)
    const agent = createAppAgent({ ...opts, demoCert: false })
    try {
      await agent.start()
      expect(tee.awaitingKeyProvider).toBe(false)
      const events = tee.runtimeEvents
      expect(events.slice(-2).map((e) => e.event)).toEqual(['key-provider', 'system-ready'])
      // the KMS root CA key the devnet pins for this app (node 1's bootstrap SPKI)
      const rootCa = dn.net.nodes[0]!.kms.material().bootstrapInfo!.ca_pubkey
      const measured = { name: 'kms', id: rootCa }
      expect(JSON.parse(new TextDecoder().decode(events.at(-2)!.payload))).toEqual(measured)
      const info = (await (await post(agent, '/Info')).json()) as Record<string, string>
      expect(JSON.parse(info.key_provider_info!)).toEqual(measured)
      expect(toHex(tee.workload.appId)).toBe(dn.net.demoApp.appId)
    } finally {
      await agent.stop()
    }
  })

  it('startAppAgent cleans up when the KMS refuses (an app the policy does not know)', async () => {
    writeFileSync(resolve(dn.home, 'unknown-compose.json'), '{"name":"unknown"}\n')
    const cfg = appConfig({ tee: { simulated: { app_compose: '../unknown-compose.json' } } })
    const opts = await agentOptions(cfg)
    expect(opts.kmsTrust.policy).toBeDefined()
    const closePolicy = vi.spyOn(opts.kmsTrust.policy!, 'close')
    await expect(startAppAgent({ ...opts, port: 0 })).rejects.toMatchObject({
      code: 'AGENT_KMS_REFUSED',
      meta: { kmsCode: 'KMS_APP_NOT_ALLOWED' },
    })
    expect(closePolicy).toHaveBeenCalledOnce() // stop() ran: KMS client and trust policy closed
  })
})
