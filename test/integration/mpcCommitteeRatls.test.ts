/**
 * The committee API over mutual attested TLS (issue 13 item 7, `[mpc] api_tls = "ratls"`): 3 `custos start --dev`
 * processes, t = 2, one Ed25519 domain. An app presenting an RA-TLS client certificate from the simulated TEE the
 * members trust signs as predecessor `app:<its attested app id>` without any token; another app (another compose,
 * so another app id) is refused by policy even when its certificate asserts the allowed app id in the issuer
 * extension; a caller with no certificate, or one under a vendor the members do not trust, is unauthenticated;
 * a workload whose evidence measures no app id has no `app:` identity either; a token still maps to its predecessor
 * over the TLS listener.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Attestation,
  buildSimulatedQuote,
  createVerifier,
  type EvidenceVerifier,
  runtimeEventToTdxEvent,
} from '../../src/attestation/index.js'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { derivePublicKey, deriveTweak } from '../../src/mpc/index.js'
import {
  type AttestedClient,
  createAttestedClient,
  createRaTlsIdentity,
  verifyRaTlsCertificate,
} from '../../src/net/index.js'
import {
  createSimulatedVendorInMemory,
  loadOrCreateSimulatedVendor,
  provisionSimulatedMachineInMemory,
  resolveWorkload,
  SimulatedTee,
  type SimulatedVendor,
  simulatedBootEvents,
} from '../../src/tee/index.js'
import { api, type MemberProcess, setupCommittee, signBody, until } from './mpcCommitteeHarness.js'

const compose = (name: string) => JSON.stringify({ manifest_version: 2, name, runner: 'docker-compose' })
const COMPOSE_APP = compose('custos-ratls-signing-app')
const COMPOSE_OTHER = compose('custos-ratls-other-app')
/**
 * dstack's default app id (the host sets none): sha256(app-compose.json)[0..20], computed here without the
 * project's code so that the test does not take the predecessor from the implementation it checks.
 */
const appIdHex = (c: string) => createHash('sha256').update(c, 'utf8').digest().subarray(0, 20).toString('hex')
const APP = `app:${appIdHex(COMPOSE_APP)}`
const OTHER_APP = `app:${appIdHex(COMPOSE_OTHER)}`
const OPS_TOKEN = 'ops-token-0123456789'
const OPS = 'ops.near'

const now = () => Math.floor(Date.now() / 1000)
const dir = mkdtempSync(join(tmpdir(), 'custos-mpc-ratls-'))
let members: MemberProcess[] = []
let verifier: EvidenceVerifier
let root: Uint8Array
const clients: AttestedClient[] = []
/** the allowed app, over mutual attested TLS */
let app: AttestedClient
/** another app of the same vendor whose certificate asserts the allowed app id in ext .1.3 (not attested) */
let other: AttestedClient
/** no client certificate */
let anonymous: AttestedClient
/** the allowed app's compose on a machine of a vendor the members do not trust */
let foreign: AttestedClient
/** genuine evidence (trusted vendor) of a TDX guest whose boot log measures no app id */
let noAppId: AttestedClient

const OS_IMAGE = '00'.repeat(32)

/** An attested client for a workload running `appCompose` on a fresh machine of `vendor`. */
async function appClient(
  vendor: SimulatedVendor,
  appCompose: string,
  assertAppId?: Uint8Array,
): Promise<{ client: AttestedClient; certDer: Uint8Array; measuredAppId: Uint8Array }> {
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  const tee = new SimulatedTee({ machine, workload: { osImageHash: OS_IMAGE, appCompose } })
  return { ...(await clientOf(tee, assertAppId)), measuredAppId: tee.workload.appId }
}

/**
 * A TDX guest outside dstack on a machine of `vendor`: genuine quotes, but its RTMR3 log has no `app-id` event
 * (SimulatedTee always measures one, so its quote is built here the way SimulatedTee.attest builds it).
 */
async function noAppIdClient(vendor: SimulatedVendor): Promise<AttestedClient> {
  const m = await provisionSimulatedMachineInMemory({ vendor })
  const workload = resolveWorkload({ osImageHash: OS_IMAGE })
  const runtimeEvents = simulatedBootEvents(workload).filter((e) => e.event !== 'app-id')
  const attest = async (reportData: Uint8Array): Promise<Attestation> => ({
    quote: {
      type: 'tdx',
      quote: buildSimulatedQuote({
        pckKey: m.pckKey,
        attestationKey: m.attestationKey,
        certChainDer: [m.pckCertDer, m.pckCaCertDer, m.vendorRootCertDer],
        osImageHash: workload.osImageHash,
        runtimeEvents,
        reportData,
        debug: false,
      }),
      eventLog: runtimeEvents.map(runtimeEventToTdxEvent),
    },
    runtimeEvents,
    reportData: reportData.slice(),
    config: JSON.stringify({ os_image_hash: OS_IMAGE }),
  })
  const c = await clientOf({ attest })
  expect((await verifyRaTlsCertificate(c.certDer, verifier, now())).identity.appId).toHaveLength(0)
  return c.client
}

async function clientOf(
  tee: { attest(reportData: Uint8Array): Promise<Attestation> },
  assertAppId?: Uint8Array,
): Promise<{ client: AttestedClient; certDer: Uint8Array }> {
  const id = await createRaTlsIdentity({
    tee,
    subject: 'custos-ratls-test-app',
    clientAuth: true,
    now: now(),
    ...(assertAppId ? { appId: assertAppId } : {}),
  })
  // the server side is RA-TLS too: its evidence is checked under the members' vendor instead of a CA chain
  const client = createAttestedClient({ verifier, now, clientCertPem: id.cert.pem, clientKeyPem: id.keyPem })
  clients.push(client)
  return { client, certDer: id.cert.der }
}

beforeAll(async () => {
  members = await setupCommittee({
    dir,
    n: 3,
    threshold: 2,
    domains: [{ id: 0, scheme: 'Ed25519' }],
    tokens: { [OPS_TOKEN]: OPS },
    allow: [
      { predecessor: APP, domains: [0] },
      { predecessor: OPS, domains: [0] },
    ],
    apiTls: 'ratls',
  })
  // the one simulated vendor every member trusts (setupCommittee made it); loaded before the members start, so
  // that no member reads its directory meanwhile
  const vendor = await loadOrCreateSimulatedVendor(join(dir, 'vendor'))
  verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
  const a = await appClient(vendor, COMPOSE_APP)
  // what the simulated TEE measures and an RA-TLS verifier reports is the app id computed independently above
  expect(toHex(a.measuredAppId)).toBe(appIdHex(COMPOSE_APP))
  expect(toHex((await verifyRaTlsCertificate(a.certDer, verifier, now())).identity.appId)).toBe(appIdHex(COMPOSE_APP))
  app = a.client
  other = (await appClient(vendor, COMPOSE_OTHER, fromHex(appIdHex(COMPOSE_APP)))).client
  foreign = (await appClient(await createSimulatedVendorInMemory(), COMPOSE_APP)).client
  noAppId = await noAppIdClient(vendor)
  anonymous = createAttestedClient({ verifier, now })
  clients.push(anonymous)
  await Promise.all(members.map((m) => m.start()))
}, 120_000)

afterAll(async () => {
  for (const c of clients) c.close()
  await Promise.all(members.map((m) => m.kill()))
  rmSync(dir, { recursive: true, force: true })
})

const message = (seed: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + seed) & 0xff)

/** An Ed25519 sign response verifies under the key derived here from the root for (predecessor, path). */
function expectSignedFor(body: Record<string, unknown>, predecessor: string, path: string, msg: Uint8Array) {
  expect(body.scheme).toBe('Ed25519')
  const sig = Uint8Array.from(body.signature as number[])
  expect(sig).toHaveLength(64)
  expect(ed25519.verify(sig, msg, derivePublicKey('Ed25519', root, deriveTweak(predecessor, path)))).toBe(true)
}

describe('committee API over mutual attested TLS (api_tls = "ratls", 3 processes, t = 2)', () => {
  it('serves HTTPS under the member RA-TLS certificate and runs the DKG', async () => {
    expect(members.every((m) => m.apiUrl.startsWith('https://'))).toBe(true)
    const states = await until(
      'DKG on every member',
      async () => {
        const s = await Promise.all(members.map((m) => api(`${m.apiUrl}/mpc/v1/state`, { client: anonymous })))
        return s.every((r) => (r.json.domains as Array<{ publicKey: string | null }>)[0]?.publicKey) ? s : undefined
      },
      60_000,
    )
    const keys = new Set(states.map((s) => (s.json.domains as Array<{ publicKey: string }>)[0]!.publicKey))
    expect(keys.size).toBe(1)
    root = fromHex([...keys][0]!)
    // the API's certificate is the member's attested TLS identity (the one /public_data names), verified by evidence
    const r = await anonymous.request(`${members[1]!.apiUrl}/public_data`)
    expect(r.status).toBe(200)
    const pd = JSON.parse(Buffer.from(r.body).toString('utf8')) as Record<string, unknown>
    expect(r.peer).toBeDefined()
    expect(toHex(r.peer!.spki)).toBe(pd.p2p_tls_spki)
  }, 90_000)

  it('an attested app signs with no token, as predecessor app:<its attested app id>', async () => {
    for (const [i, path] of [
      [0, ''],
      [2, 'ethereum-1'],
    ] as const) {
      const msg = message(i)
      const r = await api(`${members[i]!.apiUrl}/mpc/v1/sign`, {
        client: app,
        body: signBody(0, path, { Eddsa: toHex(msg) }),
      })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      expectSignedFor(r.json, APP, path, msg)
    }
  }, 60_000)

  it('another app with a valid certificate is refused by policy (403, no signature)', async () => {
    const r = await api(`${members[0]!.apiUrl}/mpc/v1/sign`, {
      client: other,
      body: signBody(0, '', { Eddsa: toHex(message(7)) }),
    })
    expect(r.status).toBe(403)
    expect(r.json.code).toBe('MPC_FORBIDDEN')
    expect(r.json.signature).toBeUndefined()
    // refused as itself (the refusal names the predecessor): the app id its certificate merely asserts
    // (ext .1.3) is not what the member goes by, the attested one is
    expect(r.json.error).toContain(`"${OTHER_APP}"`)
    expect(r.json.error).not.toContain(APP)
  })

  it('no certificate and no token, or a certificate under an untrusted vendor: 401', async () => {
    for (const client of [anonymous, foreign]) {
      const r = await api(`${members[1]!.apiUrl}/mpc/v1/sign`, {
        client,
        body: signBody(0, '', { Eddsa: toHex(message(8)) }),
      })
      expect(r.status).toBe(401)
      expect(r.json.code).toBe('MPC_UNAUTHENTICATED')
      expect(r.json.signature).toBeUndefined()
    }
  })

  it('attested evidence that measures no app id names no app: 401, not the shared predecessor "app:"', async () => {
    const r = await api(`${members[2]!.apiUrl}/mpc/v1/sign`, {
      client: noAppId,
      body: signBody(0, '', { Eddsa: toHex(message(10)) }),
    })
    expect(r.status, JSON.stringify(r.json)).toBe(401)
    expect(r.json.code).toBe('MPC_UNAUTHENTICATED')
  })

  it('a token caller still signs over the TLS listener, as its mapped predecessor; a wrong token gets 401', async () => {
    const msg = message(9)
    const r = await api(`${members[1]!.apiUrl}/mpc/v1/sign`, {
      client: anonymous,
      token: OPS_TOKEN,
      body: signBody(0, 'solana/0', { Eddsa: toHex(msg) }),
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expectSignedFor(r.json, OPS, 'solana/0', msg)
    const bad = await api(`${members[1]!.apiUrl}/mpc/v1/sign`, {
      client: anonymous,
      token: 'not-a-token-0123456789',
      body: signBody(0, '', { Eddsa: toHex(msg) }),
    })
    expect(bad.status).toBe(401)
  }, 60_000)
})
