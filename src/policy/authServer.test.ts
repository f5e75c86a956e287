import { describe, expect, it } from 'vitest'
import type { Identity } from '../attestation/index.js'
import { memoryLogger } from '../log.js'
import { AUTH_BACKEND_UNAVAILABLE, AUTH_INVALID_REQUEST, createAuthApp } from './authServer.js'
import { BootAuthRequestSchema, bootInfoFromRequest, identityFromBootInfo } from './authServerRequest.js'
import { toBootInfo } from './toBootInfo.js'
import type { Policy, PolicyRole } from './types.js'

const hex = (n: number, b: number) => Buffer.from(new Uint8Array(n).fill(b)).toString('hex')

/** A dstack KMS request body, as dstack sends it. */
const body = (over: Record<string, unknown> = {}) => ({
  teeVariant: 'dstack-tdx',
  mrAggregated: hex(32, 1),
  osImageHash: hex(32, 2),
  mrSystem: hex(32, 3),
  appId: hex(20, 4),
  composeHash: hex(32, 5),
  instanceId: '',
  deviceId: hex(32, 6),
  keyProviderInfo: '',
  tcbStatus: 'UpToDate',
  advisoryIds: [],
  ...over,
})

/** A policy that records what it was asked and allows app 0x04… only. */
function recordingPolicy(opts: { throws?: boolean } = {}) {
  const seen: Array<{ role: PolicyRole; identity: Identity }> = []
  const policy: Policy = {
    kind: 'static',
    async check(role, identity) {
      seen.push({ role, identity })
      if (opts.throws) throw new Error('rpc down at http://user:pw@rpc/')
      const ok = Buffer.from(identity.appId).toString('hex') === hex(20, 4)
      return { allowed: ok, reason: ok ? '' : 'app not registered', gatewayAppId: 'gw-7' }
    },
    async info() {
      if (opts.throws) throw new Error('rpc down')
      return { gatewayAppId: 'gw-7', kmsContractAddr: '0x01', chainId: 5, appImplementation: '0x02' }
    },
    async close() {},
  }
  return { policy, seen }
}

const post = (app: ReturnType<typeof createAuthApp>, path: string, payload: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })

describe('createAuthApp (dstack auth API)', () => {
  it('answers bootAuth/app and bootAuth/kms with the policy decision, passing the boot info through', async () => {
    const { policy, seen } = recordingPolicy()
    const app = createAuthApp(policy)
    const r = await post(app, '/bootAuth/app', body())
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ isAllowed: true, reason: '', gatewayAppId: 'gw-7' })
    const k = await post(app, '/bootAuth/kms', body({ appId: hex(20, 9) }))
    expect(await k.json()).toEqual({ isAllowed: false, reason: 'app not registered', gatewayAppId: 'gw-7' })
    expect(seen.map((s) => s.role)).toEqual(['app', 'kms'])
    expect(toBootInfo(seen[0]!.identity)).toEqual(body())
  })

  it('accepts 0x / uppercase hex, the old attestationMode name, missing optionals; ignores unknown fields', async () => {
    const { policy, seen } = recordingPolicy()
    const app = createAuthApp(policy)
    const { teeVariant: _, mrSystem: _m, keyProviderInfo: _k, tcbStatus: _t, advisoryIds: _a, ...required } = body()
    const r = await post(app, '/bootAuth/app', {
      ...required,
      appId: `0x${hex(20, 4).toUpperCase()}`,
      attestationMode: 'dstack-nitro-enclave',
      somethingNew: { deep: true },
    })
    expect(((await r.json()) as { isAllowed: boolean }).isAllowed).toBe(true)
    const id = seen[0]!.identity
    expect(id.platform).toBe('nitro')
    expect(id.tcbStatus).toBe('')
    expect(id.mrSystem).toEqual(new Uint8Array(0))
    expect(toBootInfo(id).appId).toBe(hex(20, 4))
  })

  const invalid: Array<[string, unknown]> = [
    ['not JSON', '{"mrAggregated":'],
    ['JSON array', '[]'],
    ['missing deviceId', (({ deviceId: _, ...b }) => b)(body())],
    ['missing instanceId', (({ instanceId: _, ...b }) => b)(body())],
    ['non-hex', body({ composeHash: 'zz'.repeat(32) })],
    ['odd-length hex', body({ composeHash: 'abc' })],
    ['too long', body({ appId: hex(32, 4) })],
    ['number', body({ osImageHash: 5 })],
    ['advisoryIds not a list', body({ advisoryIds: 'INTEL-SA-1' })],
  ]
  for (const [name, payload] of invalid)
    it(`400 for an invalid request: ${name} (without echoing it, without asking the policy)`, async () => {
      const { policy, seen } = recordingPolicy()
      const r = await post(createAuthApp(policy), '/bootAuth/app', payload)
      expect(r.status).toBe(400)
      const text = await r.text()
      expect(JSON.parse(text)).toEqual({ isAllowed: false, reason: AUTH_INVALID_REQUEST, gatewayAppId: '' })
      expect(seen).toHaveLength(0)
    })

  it('413 for a body over the limit', async () => {
    const { policy, seen } = recordingPolicy()
    const r = await post(
      createAuthApp(policy, { maxBodyBytes: 1024 }),
      '/bootAuth/app',
      body({ pad: 'x'.repeat(2000) }),
    )
    expect(r.status).toBe(413)
    expect(((await r.json()) as { isAllowed: boolean }).isAllowed).toBe(false)
    expect(seen).toHaveLength(0)
  })

  it('a policy that throws is a 200 deny "authorization backend unavailable" (auth-eth), logged without detail leaks', async () => {
    const logger = memoryLogger()
    const app = createAuthApp(recordingPolicy({ throws: true }).policy, { logger })
    const r = await post(app, '/bootAuth/kms', body())
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ isAllowed: false, reason: AUTH_BACKEND_UNAVAILABLE, gatewayAppId: '' })
    expect(logger.entries.some((e) => e.level === 'error')).toBe(true)
    const info = await app.request('/')
    expect(info.status).toBe(503)
    expect(JSON.stringify(await info.json())).not.toContain('pw@')
  })

  it('a policy that cannot decide (invalid file) answers "authorization backend unavailable", not its file path', async () => {
    const policy: Policy = {
      kind: 'static',
      check: async () => ({
        allowed: false,
        reason: 'policy file invalid: /etc/custos/policy.json: not valid JSON: Unexpected end',
        gatewayAppId: '',
        unavailable: true,
      }),
      info: async () => ({ gatewayAppId: '', kmsContractAddr: '0x0', chainId: 0, appImplementation: '0x0' }),
      close: async () => {},
    }
    const r = await post(createAuthApp(policy), '/bootAuth/app', body())
    expect(await r.json()).toEqual({ isAllowed: false, reason: AUTH_BACKEND_UNAVAILABLE, gatewayAppId: '' })
  })

  it('GET / returns the dstack info shape', async () => {
    const r = await createAuthApp(recordingPolicy().policy).request('/')
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({
      status: 'ok',
      kmsContractAddr: '0x01',
      gatewayAppId: 'gw-7',
      chainId: 5,
      appAuthImplementation: '0x02',
      appImplementation: '0x02',
    })
  })

  it('unknown paths and methods are not decisions', async () => {
    const app = createAuthApp(recordingPolicy().policy)
    expect((await app.request('/bootAuth/other', { method: 'POST', body: '{}' })).status).toBe(404)
    expect((await app.request('/bootAuth/app')).status).toBe(404)
  })
})

describe('identityFromBootInfo', () => {
  it('round-trips through toBootInfo (hex normalised)', () => {
    const b = bootInfoFromRequest(
      BootAuthRequestSchema.parse(
        body({ keyProviderInfo: Buffer.from('{"name":"kms"}').toString('hex'), advisoryIds: ['INTEL-SA-00615'] }),
      ),
    )
    expect(toBootInfo(identityFromBootInfo(b))).toEqual(b)
    expect(identityFromBootInfo(b).instanceId).toEqual(new Uint8Array(0))
  })

  it('maps variants without their own platform to the family; unknown → tdx', () => {
    const v = (teeVariant: string) =>
      identityFromBootInfo(bootInfoFromRequest(BootAuthRequestSchema.parse(body({ teeVariant }))))
    expect(v('dstack-gcp-tdx').platform).toBe('tdx')
    expect(v('dstack-aws-nitro-tpm').platform).toBe('nitro')
    expect(v('custos-sgx').platform).toBe('sgx')
    expect(v('future-tee').platform).toBe('tdx')
  })
})
