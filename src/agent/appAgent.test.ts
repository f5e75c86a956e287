import { describe, expect, it } from 'vitest'
import { createVerifier } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { deriveAppK256Key } from '../kms/crypto/index.js'
import { memoryLogger } from '../log.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import { createAppAgent, startAppAgent } from './appAgent.js'
import { parseAppKeyReply } from './appKeys.js'
import { AgentError } from './errors.js'
import { queryToObject } from './guestInput.js'
import type { AgentKmsClient } from './kmsClient.js'
import { kmsBaseUrl } from './kmsClient.js'

const ROOT_CA_SPKI = new Uint8Array(91).fill(0x5a)

async function fixture(workload: { awaitKeyProvider?: boolean } = {}) {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  const tee = new SimulatedTee({
    machine,
    workload: { appCompose: '{"name":"x"}', osImageHash: 'cd'.repeat(32), ...workload },
  })
  const verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor.rootCertDer] })
  const app = deriveAppK256Key(new Uint8Array(32).fill(9), tee.workload.appId)
  const reply = {
    ca_cert: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    disk_crypt_key: '11'.repeat(32),
    env_crypt_key: '22'.repeat(32),
    k256_key: toHex(app.key),
    k256_signature: toHex(app.signature),
    gateway_app_id: 'any',
    os_image_hash: 'cd'.repeat(32),
  }
  const calls: string[] = []
  const kmsClient: AgentKmsClient = {
    async getAppKey(vmConfig) {
      calls.push(`GetAppKey ${vmConfig}`)
      return { keys: parseAppKeyReply(reply), rootCaSpki: ROOT_CA_SPKI }
    },
    async signCert() {
      calls.push('SignCert')
      throw new AgentError('AGENT_KMS_REFUSED', 'no')
    },
    close() {
      calls.push('close')
    },
  }
  const kmsTrust = { rootCaPublicKeys: [ROOT_CA_SPKI], k256PublicKeys: [], source: 'test pins' }
  return { tee, verifier, reply, calls, kmsClient, kmsTrust }
}

describe('AppAgent', () => {
  it('start → keys from the KMS (vm_config from its evidence) → in-process API; stop wipes the keys', async () => {
    const f = await fixture()
    const log = memoryLogger()
    const agent = createAppAgent({ ...f, kmsUrl: 'https://kms.invalid', logger: log })
    expect(agent.ready).toBe(false)
    expect(() => agent.app).toThrow(AgentError)
    expect(await agent.start()).toEqual({})
    expect(agent.ready).toBe(true)
    expect(f.calls[0]).toBe(`GetAppKey ${JSON.stringify({ os_image_hash: 'cd'.repeat(32) })}`)
    expect(f.calls).toContain('SignCert') // demo cert attempted; its refusal is tolerated
    const r = await agent.app.request('/GetKey', { method: 'POST', body: '{"path":"a"}' })
    expect(r.status).toBe(200)
    const info = (await (await agent.app.request('/Info', { method: 'POST', body: '{}' })).json()) as Record<
      string,
      string
    >
    expect(info.app_cert).toBe('')
    const app = agent.app
    await agent.stop()
    expect(f.calls).toContain('close')
    const after = await app.request('/GetKey', { method: 'POST', body: '{}' })
    expect(((await after.json()) as { code: string }).code).toBe('AGENT_NOT_READY')
    expect(JSON.stringify(log.entries)).not.toContain(f.reply.k256_key)
  })

  it('measures which KMS the keys came from (key-provider before system-ready), as dstack guests do', async () => {
    const f = await fixture({ awaitKeyProvider: true })
    expect(f.tee.awaitingKeyProvider).toBe(true)
    expect(() => f.tee.emitEvent('app-event', Uint8Array.of(1))).toThrow(/boot measurement is not complete/)
    const agent = createAppAgent({ ...f, kmsUrl: 'https://kms.invalid', demoCert: false })
    await agent.start()
    expect(f.tee.awaitingKeyProvider).toBe(false)
    const events = f.tee.runtimeEvents.map((e) => e.event)
    expect(events.slice(-2)).toEqual(['key-provider', 'system-ready'])
    const info = (await (await agent.app.request('/Info', { method: 'POST', body: '{}' })).json()) as Record<
      string,
      string
    >
    expect(JSON.parse(info.key_provider_info!)).toEqual({ name: 'kms', id: toHex(ROOT_CA_SPKI) })
    await agent.stop()
  })

  it('startAppAgent cleans up when the KMS refuses', async () => {
    const f = await fixture()
    const kmsClient: AgentKmsClient = {
      ...f.kmsClient,
      getAppKey: async () => {
        throw new AgentError('AGENT_KMS_REFUSED', 'refused', { kmsCode: 'KMS_APP_NOT_ALLOWED' })
      },
    }
    await expect(startAppAgent({ ...f, kmsClient, kmsUrl: 'https://kms.invalid', port: 0 })).rejects.toMatchObject({
      code: 'AGENT_KMS_REFUSED',
    })
    expect(f.calls).toContain('close')
  })
})

describe('agent helpers', () => {
  it('parseAppKeyReply validates every field and hides secrets', async () => {
    const { reply } = await fixture()
    const k = parseAppKeyReply(reply)
    expect(JSON.stringify(k)).not.toContain(reply.k256_key)
    for (const [field, value] of [
      ['k256_key', 'zz'],
      ['k256_signature', '00'],
      ['disk_crypt_key', undefined],
      ['ca_cert', 'nope'],
    ] as const) {
      const bad = { ...reply, [field]: value }
      expect(() => parseAppKeyReply(bad)).toThrow(expect.objectContaining({ code: 'AGENT_KMS_BAD_REPLY' }))
    }
    expect(() => parseAppKeyReply(null)).toThrow(expect.objectContaining({ code: 'AGENT_KMS_BAD_REPLY' }))
  })

  it('kmsBaseUrl and queryToObject', () => {
    expect(kmsBaseUrl('https://h:1/prpc/')).toBe('https://h:1')
    expect(() => kmsBaseUrl('http://h:1')).toThrow(expect.objectContaining({ code: 'AGENT_BAD_INPUT' }))
    expect(() => kmsBaseUrl('nope')).toThrow(expect.objectContaining({ code: 'AGENT_BAD_INPUT' }))
    expect(queryToObject(new URLSearchParams('a=1&b=2&b=3&c[]=x&c[]=y&d[0]=z&json'))).toEqual({
      a: '1',
      b: ['2', '3'],
      c: ['x', 'y'],
      d: ['z'],
    })
  })
})
