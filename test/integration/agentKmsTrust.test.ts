/**
 * Issue 12 #1: the guest agent (and `custos dev app-key`) take keys only from the KMS the app trusts. A fake
 * KMS that runs as another attested workload, with a certificate saying `kms:rpc`, root keys of its own and
 * keys it chose, is refused by every form of trust: root CA pin, k256 pin, `kms` policy. Without any trust
 * configured the agent does not start (no trust on first use). The KMS the keys came from is measured.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KmsTrust, startAppAgent } from '../../src/agent/index.js'
import { deriveAppK256Key, p256Pkcs8Pem, toHex } from '../../src/crypto/index.js'
import { createRootCaCert, createTmpCaCert, type GetAppKeyResponse, randomScalar } from '../../src/kms/index.js'
import { nullLogger } from '../../src/log.js'
import { createAttestedCert, tlsServerOptions } from '../../src/net/index.js'
import { type Config, callKmsAsWorkload, kmsTrustFor, loadConfig } from '../../src/node/index.js'
import { createPlatform, identityOf, verifierFor } from '../../src/node/platform.js'
import { type DemoDevnet, startDemoDevnet, stopDemoDevnet } from '../support/agentDevnet.js'

/** a 1-node devnet (no agent of its own) */
let dn: DemoDevnet
let fake: { server: Server; url: string }

/** The demo app's config with `[agent]` replaced (the devnet writes real pins; tests pick which to keep). */
function appConfig(agent: Partial<Config['agent']>, over: Record<string, unknown> = {}): Config {
  return loadConfig(dn.net.demoApp.home, dn.appToml, {
    ...over,
    agent: { kms_root_ca_pubkeys: [], kms_k256_pubkeys: [], kms_policy: false, ...agent },
  })
}

const real = () => loadConfig(dn.net.demoApp.home, dn.appToml).agent

/**
 * Another attested workload (same simulated vendor, its own compose) posing as a KMS: RA-TLS certificate
 * with usage kms:rpc issued by a CA of its own, GetAppKey answered with keys derived from its own root.
 */
async function startFakeKms(): Promise<{ server: Server; url: string }> {
  writeFileSync(resolve(dn.home, 'evil-compose.json'), '{"manifest_version":2,"name":"evil-kms"}\n')
  const evilCfg = loadConfig(dn.net.demoApp.home, dn.appToml, {
    tee: { simulated: { app_compose: '../evil-compose.json' } },
  })
  const evilTee = await createPlatform(evilCfg)
  const now = Math.floor(Date.now() / 1000)
  const rootCaKey = randomScalar(p256.Point.Fn.ORDER)
  const rootK256 = randomScalar(secp256k1.Point.Fn.ORDER)
  const caPem = await createRootCaCert(rootCaKey, now)
  const tls = await createAttestedCert({
    tee: evilTee,
    subject: 'localhost',
    altNames: ['localhost', '127.0.0.1'],
    usage: 'kms:rpc',
    issuerKey: rootCaKey,
    issuerCertPem: caPem,
    serverAuth: true,
    now,
  })
  const appId = (await identityOf(appConfig({}))).appId
  const app = deriveAppK256Key(rootK256.expose(), appId)
  const reply = JSON.stringify({
    ca_cert: caPem,
    disk_crypt_key: 'ee'.repeat(32),
    env_crypt_key: 'ee'.repeat(32),
    k256_key: toHex(app.key),
    k256_signature: toHex(app.signature),
    tproxy_app_id: 'evil',
    gateway_app_id: 'evil',
    os_image_hash: '',
  } satisfies GetAppKeyResponse)
  // a temp CA of its own too, so the agent gets as far as GetAppKey (it asks GetTempCaCert first, as dstack's guest)
  const tmpCaKey = randomScalar(p256.Point.Fn.ORDER)
  const tempCaReply = JSON.stringify({
    temp_ca_cert: await createTmpCaCert(tmpCaKey, now),
    temp_ca_key: p256Pkcs8Pem(tmpCaKey.expose()),
    ca_cert: caPem,
  })
  const server = createServer(
    tlsServerOptions({ certPem: tls.certPem, keyPem: tls.keyPem, requestClientCert: true }),
    (req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(req.url?.startsWith('/prpc/GetTempCaCert') ? tempCaReply : reply)
      })
    },
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function agentWith(cfg: Config, kmsUrl: string, trust: KmsTrust = kmsTrustFor(cfg)) {
  return startAppAgent({
    tee: await createPlatform(cfg),
    kmsUrl,
    kmsTrust: trust,
    verifier: await verifierFor(cfg),
    demoCert: false,
    logger: nullLogger,
  })
}

beforeAll(async () => {
  dn = await startDemoDevnet('custos-kms-trust-', { agent: false })
  fake = await startFakeKms()
}, 120_000)

afterAll(async () => {
  fake?.server.close()
  await stopDemoDevnet(dn)
})

describe('the devnet demo app pins its KMS', () => {
  it('its config names node 1 root CA key, root k256 key and the kms policy', () => {
    const a = real()
    const info = dn.net.nodes[0]!.kms.material().bootstrapInfo!
    expect(a.kms_root_ca_pubkeys).toEqual([info.ca_pubkey])
    expect(a.kms_k256_pubkeys).toEqual([info.k256_pubkey])
    expect(a.kms_policy).toBe(true)
  })
})

describe('a fake KMS (another attested workload with a kms:rpc certificate)', () => {
  const cases: Array<[string, () => Partial<Config['agent']>, RegExp]> = [
    [
      'root CA pin',
      () => ({ kms_root_ca_pubkeys: real().kms_root_ca_pubkeys }),
      /TLS certificate is not signed by any KMS root CA key in \[agent\] kms_root_ca_pubkeys/,
    ],
    [
      'k256 pin',
      () => ({ kms_k256_pubkeys: real().kms_k256_pubkeys }),
      /the app key is signed by KMS k256 key [0-9a-f]{66}, which is not in \[agent\] kms_k256_pubkeys/,
    ],
    ['kms policy', () => ({ kms_policy: true }), /not allowed by this app's policy \(role kms\): .+/],
  ]
  for (const [name, agent, why] of cases) {
    it(`is refused by the agent with a ${name}, naming what did not match`, async () => {
      const e = await agentWith(appConfig(agent()), fake.url).then(
        async (a) => {
          await a.stop()
          return undefined
        },
        (err: unknown) => err as { code: string; message: string },
      )
      expect(e, 'the agent accepted keys from a fake KMS').toBeDefined()
      expect(e!.code).toBe('AGENT_KMS_UNTRUSTED')
      expect(e!.message).toMatch(why)
    })

    it(`is refused by \`custos dev app-key\` (callKmsAsWorkload) with a ${name}`, async () => {
      await expect(
        callKmsAsWorkload({ config: appConfig(agent()), kmsUrl: fake.url, method: 'GetAppKey', body: {} }),
      ).rejects.toMatchObject({ code: 'AGENT_KMS_UNTRUSTED' })
    })

    it(`does not stop the real KMS from serving the app with the same ${name}`, async () => {
      const a = await agentWith(appConfig(agent()), dn.net.urls[0]!)
      expect(a.ready).toBe(true)
      await a.stop()
    })
  }

  it('with no trust configured the agent does not start at all (no trust on first use)', async () => {
    await expect(agentWith(appConfig({}), dn.net.urls[0]!)).rejects.toMatchObject({ code: 'AGENT_KMS_TRUST_UNSET' })
    await expect(
      callKmsAsWorkload({ config: appConfig({}), kmsUrl: dn.net.urls[0]!, method: 'GetMeta' }),
    ).rejects.toMatchObject({ code: 'AGENT_KMS_TRUST_UNSET' })
  })

  it("an app compose key_provider_id pins the KMS (it is measured in the app's compose hash)", async () => {
    const compose = JSON.parse(readFileSync(resolve(dn.home, 'demo-app-compose.json'), 'utf8'))
    compose.key_provider_id = real().kms_root_ca_pubkeys[0]
    writeFileSync(resolve(dn.home, 'pinned-app-compose.json'), JSON.stringify(compose))
    const cfg = appConfig({}, { tee: { simulated: { app_compose: '../pinned-app-compose.json' } } })
    const trust = kmsTrustFor(cfg)
    expect(trust.rootCaPublicKeys.map(toHex)).toEqual([compose.key_provider_id])
    await expect(agentWith(cfg, fake.url)).rejects.toMatchObject({ code: 'AGENT_KMS_UNTRUSTED' })
  })
})

describe('the KMS an app trusts is measured', () => {
  it('the agent records key-provider {"name":"kms","id":<root CA SPKI>} and Info reports it', async () => {
    const a = await agentWith(loadConfig(dn.net.demoApp.home, dn.appToml), dn.net.urls[0]!)
    try {
      const info = (await (await a.app.request('/Info', { method: 'POST', body: '{}' })).json()) as {
        key_provider_info: string
      }
      expect(JSON.parse(info.key_provider_info)).toEqual({ name: 'kms', id: real().kms_root_ca_pubkeys[0] })
    } finally {
      await a.stop()
    }
  })
})
