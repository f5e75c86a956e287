import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { EvidenceVerifier } from '../attestation/index.js'
import { fromHex, toHex } from '../crypto/index.js'
import { memoryLogger } from '../log.js'
import type { SimulatedTee } from '../tee/index.js'
import type { AgentAppKeys } from './appKeys.js'
import { attestationFromQuoteReply } from './eventLog.js'
import { createGuestApi, GUEST_API_VERSION, GUEST_METHODS, TAPPD_METHODS } from './guestApi.js'
import type { GuestContext } from './guestContext.js'
import { assertSimulatorPortAllowed } from './simulatorPort.js'
import { APP_INFO_KEYS, guestContext, now, postJson, simulatedGuest, VM_CONFIG } from './testKit.js'
import { createWorkerApi, publicTcbInfo, WORKER_METHODS } from './workerApi.js'

const APP_COMPOSE = '{"manifest_version":2,"name":"worker-app","runner":"docker-compose"}'

let tee: SimulatedTee
let verifier: EvidenceVerifier
let keys: AgentAppKeys

const context = (over: Partial<GuestContext> = {}): GuestContext =>
  guestContext(
    { tee, verifier, keys },
    {
      appCompose: APP_COMPOSE,
      signCert: async () => {
        throw new Error('the Worker API never asks the KMS for certificates')
      },
      logger: memoryLogger(),
    },
    over,
  )

// every body sent here is an object (JSON) or none
const worker = (path: string, body?: object, ctx = context()) => postJson(createWorkerApi(ctx), path, body)

beforeAll(async () => {
  ;({ tee, verifier, keys } = await simulatedGuest(APP_COMPOSE))
})
const QUOTE_KEYS = ['attestation', 'event_log', 'quote', 'report_data', 'vm_config']

describe('Worker.Info / Worker.Version', () => {
  it('Info: dstack AppInfo at /prpc/Worker.Info and /prpc/Info (POST and GET), as the internal Info', async () => {
    const internal = (await (await createGuestApi(context()).request('/Info')).json()) as Record<string, unknown>
    for (const path of ['/prpc/Worker.Info', '/prpc/Info', '/prpc/Worker.Worker.Info']) {
      const r = await worker(path)
      expect(r.status).toBe(200)
      expect(Object.keys(r.json).sort()).toEqual(APP_INFO_KEYS)
      expect(r.json).toEqual(internal)
      expect(r.headers.get('x-app-version')).toBe(`v${GUEST_API_VERSION} (custos)`)
    }
    const get = await createWorkerApi(context()).request('/prpc/Worker.Info?json')
    expect(get.status).toBe(200)
    expect(await get.json()).toEqual(internal)
    expect(JSON.parse(internal.tcb_info as string)).toMatchObject({ app_compose: APP_COMPOSE })
  })

  it('Info hides tcb_info and vm_config when the compose says public_tcbinfo: false (dstack default: shown)', async () => {
    const compose = '{"manifest_version":2,"name":"quiet","public_tcbinfo":false}'
    expect(publicTcbInfo(compose)).toBe(false)
    expect(publicTcbInfo(APP_COMPOSE)).toBe(true)
    expect(publicTcbInfo('')).toBe(true)
    const r = await worker('/prpc/Worker.Info', undefined, context({ appCompose: compose }))
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ tcb_info: '', vm_config: '', app_name: 'quiet' })
    expect(r.json.app_id).toBe(toHex(tee.workload.appId))
    // the internal API (the app itself) still sees them
    const internal = await createGuestApi(context({ appCompose: compose })).request('/Info')
    expect(((await internal.json()) as { vm_config: string }).vm_config).toBe(VM_CONFIG)
  })

  it('Version: {version, rev}', async () => {
    const r = await worker('/prpc/Worker.Version')
    expect(r.json).toEqual({ version: GUEST_API_VERSION, rev: 'custos' })
  })
})

describe('Worker.GetAttestationForAppKey', () => {
  const signKey = async (algorithm: string) => {
    const r = await createGuestApi(context()).request('/Sign', {
      method: 'POST',
      body: JSON.stringify({ algorithm, data: '00' }),
    })
    return fromHex(((await r.json()) as { public_key: string }).public_key)
  }

  for (const [algorithm, label, curve] of [
    ['ed25519', 'ed25519-pk', 'ed25519'],
    ['secp256k1', 'secp256k1c-pk', 'secp256k1'],
    ['k256', 'secp256k1c-pk', 'secp256k1'],
  ] as const) {
    it(`${algorithm}: a quote over "dip1::${label}:<b64url>" of the /Sign public key`, async () => {
      const r = await worker('/prpc/Worker.GetAttestationForAppKey', { algorithm })
      expect(r.status).toBe(200)
      expect(Object.keys(r.json).sort()).toEqual(QUOTE_KEYS)
      const pub = await signKey(curve === 'ed25519' ? 'ed25519' : 'secp256k1')
      const text = `dip1::${label}:${Buffer.from(pub).toString('base64url')}`
      const expected = new Uint8Array(64)
      expected.set(new TextEncoder().encode(text))
      expect(r.json.report_data).toBe(toHex(expected))
      const reply = r.json as { quote: string; event_log: string; vm_config: string }
      expect(reply.vm_config).toBe(VM_CONFIG)
      const id = await verifier.verify(attestationFromQuoteReply(reply), { now: now(), expectedReportData: expected })
      expect(toHex(id.appId)).toBe(toHex(tee.workload.appId))
      // the attested key verifies what /Sign signs
      const s = (await (
        await createGuestApi(context()).request('/Sign', {
          method: 'POST',
          body: JSON.stringify({ algorithm: curve, data: 'beef' }),
        })
      ).json()) as { signature: string }
      const ok =
        curve === 'ed25519'
          ? ed25519.verify(fromHex(s.signature), fromHex('beef'), pub)
          : secp256k1.verify(fromHex(s.signature), sha256(fromHex('beef')), pub, { prehash: false })
      expect(ok).toBe(true)
    })
  }

  it('refuses what dstack refuses: "", secp256k1_prehashed, unknown algorithms', async () => {
    for (const algorithm of ['', 'secp256k1_prehashed', 'rsa']) {
      const r = await worker('/prpc/Worker.GetAttestationForAppKey', { algorithm })
      expect(r.status).toBe(400)
      expect(r.json.code).toBe('AGENT_UNSUPPORTED_ALGORITHM')
    }
  })
})

describe('the external port serves no key-returning method', () => {
  const internal = [...new Set([...Object.keys(GUEST_METHODS), ...Object.keys(TAPPD_METHODS)])]

  it('the internal tables name the key-returning methods (guard against an empty loop)', () => {
    for (const m of ['GetKey', 'GetTlsKey', 'Sign', 'DeriveKey', 'DeriveK256Key']) expect(internal).toContain(m)
    expect(Object.keys(WORKER_METHODS).sort()).toEqual(['GetAttestationForAppKey', 'Info', 'Version'])
  })

  it('every internal method outside the Worker service is 404 under every route; internal routes are 404', async () => {
    const secrets = [toHex(keys.k256Key.expose()), toHex(keys.diskCryptKey.expose()), toHex(keys.envCryptKey.expose())]
    let checked = 0
    for (const m of internal) {
      const routes = [`/${m}`, `/prpc/Tappd.${m}`]
      if (!Object.hasOwn(WORKER_METHODS, m)) routes.push(`/prpc/Worker.${m}`, `/prpc/${m}`)
      for (const path of routes) {
        for (const method of ['POST', 'GET']) {
          const r = await createWorkerApi(context()).request(path, {
            method,
            ...(method === 'POST'
              ? { headers: { 'content-type': 'application/json' }, body: '{"path":"x","purpose":"y"}' }
              : {}),
          })
          expect({ path, method, status: r.status }).toEqual({ path, method, status: 404 })
          const body = await r.text()
          expect((JSON.parse(body) as { code: string }).code).toBe('AGENT_UNKNOWN_METHOD')
          for (const s of secrets) expect(body).not.toContain(s)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(4 * internal.length)
    for (const path of ['/', '/prpc/', '/prpc/Worker.', '/prpc/Worker.__proto__', '/prpc/constructor', '/api/Info'])
      expect((await worker(path)).status).toBe(404)
  })
})

describe('assertSimulatorPortAllowed', () => {
  it('needs --dev unless the TEE is simulated', () => {
    expect(() => assertSimulatorPortAllowed({ dev: false, teeSimulated: false })).toThrow(
      expect.objectContaining({ code: 'AGENT_SIMULATOR_PORT_REFUSED' }),
    )
    expect(() => assertSimulatorPortAllowed({ dev: true, teeSimulated: false })).not.toThrow()
    expect(() => assertSimulatorPortAllowed({ dev: false, teeSimulated: true })).not.toThrow()
  })
})
