/**
 * The agent's KMS client certificate is issued by the KMS temp CA, as a dstack guest's is (dstack-util:
 * GetTempCaCert, then generate_ra_cert signed by it, then GetAppKey), so it works against a KMS that requires
 * that: a dstack KMS (rustls mTLS with ca_certs = tmp-ca.crt), or a Custos KMS with
 * `[kms] require_temp_ca_client_cert = true`, which refuses self-signed client certificates.
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgentKmsClient, type KmsTrust } from '../../src/agent/index.js'
import { memoryLogger, nullLogger } from '../../src/log.js'
import { callKmsAsWorkload, kmsTrustFor, startDevnet } from '../../src/node/index.js'
import { createPlatform, verifierFor } from '../../src/node/platform.js'
import { type DemoDevnet, startDemoDevnet, stopDemoDevnet } from '../support/agentDevnet.js'
import { rawRequest } from '../support/http.js'

let dn: DemoDevnet
const now = () => Math.floor(Date.now() / 1000)

beforeAll(async () => {
  dn = await startDemoDevnet('custos-agent-tempca-', { agent: false })
}, 120_000)

afterAll(() => stopDemoDevnet(dn))

/** The agent's KMS client for the demo app; `getAppKey` as the agent calls it at start. */
async function agentGetAppKey() {
  const tee = await createPlatform(dn.appCfg)
  const kms = createAgentKmsClient({
    tee,
    kmsUrl: dn.net.urls[0]!,
    verifier: await verifierFor(dn.appCfg),
    trust: kmsTrustFor(dn.appCfg) as KmsTrust,
    now,
    logger: memoryLogger(),
  })
  try {
    const appId = async () =>
      (await (await verifierFor(dn.appCfg)).verify(await tee.attest(new Uint8Array(64)), { now: now() })).appId
    const { keys } = await kms.getAppKey('', appId)
    keys.k256Key.wipe()
    keys.diskCryptKey.wipe()
    keys.envCryptKey.wipe()
    return { clientCertPem: kms.clientCertPem }
  } finally {
    kms.close()
  }
}

async function tempCaOfKms(): Promise<X509Certificate> {
  const r = await rawRequest(`${dn.net.urls[0]}/prpc/GetTempCaCert?json`, { method: 'POST', body: '{}' })
  return new X509Certificate((r.json() as { temp_ca_cert: string }).temp_ca_cert)
}

describe('agent client certificate signed by the KMS temp CA', () => {
  it('GetAppKey succeeds with a client certificate issued (name and signature) by the KMS temp CA', async () => {
    const { clientCertPem } = await agentGetAppKey()
    expect(clientCertPem).toBeDefined()
    const cert = new X509Certificate(clientCertPem!)
    const ca = await tempCaOfKms()
    expect(cert.subject).toBe('CN=RA-TLS TEMP Cert')
    expect(cert.issuer).toBe(ca.subject)
    expect(cert.checkIssued(ca)).toBe(true)
    expect(cert.verify(ca.publicKey)).toBe(true)
  })

  it('with [kms] require_temp_ca_client_cert on: the agent still gets its keys, a self-signed client is refused', async () => {
    // restart the devnet from its state with node 1 requiring temp-CA-signed client certificates
    await dn.net.close()
    const toml = resolve(dn.home, 'node1', 'custos.toml')
    const text = readFileSync(toml, 'utf8')
    // the devnet writes every setting with its default; a file without it gets it under [kms]
    const on = /^require_temp_ca_client_cert = false$/m.test(text)
      ? text.replace(/^require_temp_ca_client_cert = false$/m, 'require_temp_ca_client_cert = true')
      : text.replace(/^\[kms\]$/m, '[kms]\nrequire_temp_ca_client_cert = true')
    expect(on).toMatch(/^require_temp_ca_client_cert = true$/m)
    writeFileSync(toml, on)
    dn.net = await startDevnet({ home: dn.home, nodes: 1, basePort: 0, agent: false, logger: nullLogger })

    const { clientCertPem } = await agentGetAppKey()
    expect(new X509Certificate(clientCertPem!).checkIssued(await tempCaOfKms())).toBe(true)

    // callKmsAsWorkload presents a self-signed RA-TLS certificate: its evidence is valid, its issuer is not
    const r = await callKmsAsWorkload({ config: dn.appCfg, kmsUrl: dn.net.urls[0]!, method: 'GetAppKey', body: {} })
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ code: 'KMS_CLIENT_CERT_NOT_FROM_TEMP_CA' })
  }, 120_000)
})
