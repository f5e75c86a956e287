/** A 1-node devnet for the agent tests (test/integration/agent*.test.ts, appAgent.test.ts) and the agent on it. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type AppAgent, startAppAgent } from '../../src/agent/index.js'
import { createVerifier, type EvidenceVerifier } from '../../src/attestation/index.js'
import { type Logger, nullLogger } from '../../src/log.js'
import {
  type Config,
  callKmsAsWorkload,
  type Devnet,
  kmsTrustFor,
  loadConfig,
  startDevnet,
} from '../../src/node/index.js'
import { createPlatform, simulatedRootsFor } from '../../src/node/platform.js'
import { rawRequest } from './http.js'

type DevnetOptions = Parameters<typeof startDevnet>[0]

export interface DemoDevnet {
  /** the devnet's home, a fresh temp directory */
  home: string
  net: Devnet
  /** the demo app's custos.toml as the devnet wrote it */
  appToml: string
  /** the demo app's configuration (appToml) */
  appCfg: Config
}

/**
 * A quiet 1-node devnet on ephemeral ports in a fresh temp home named `prefix…` (`opts` on top, e.g.
 * `agent: false`). Stop it with `stopDemoDevnet`; on a failed start what was started is cleaned up.
 */
export async function startDemoDevnet(prefix: string, opts: Partial<DevnetOptions> = {}): Promise<DemoDevnet> {
  const home = mkdtempSync(join(tmpdir(), prefix))
  let net: Devnet | undefined
  try {
    net = await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger, ...opts })
    const appToml = readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8')
    return { home, net, appToml, appCfg: loadConfig(net.demoApp.home, appToml) }
  } catch (e) {
    await stopDemoDevnet({ home, net })
    throw e
  }
}

/** Stops `agent` (if any), then the devnet, and removes its home. Safe on what a failed start left. */
export async function stopDemoDevnet(
  d: { home?: string; net?: Devnet | undefined } | undefined,
  agent?: AppAgent,
): Promise<void> {
  await agent?.stop()
  await d?.net?.close()
  if (d?.home) rmSync(d.home, { recursive: true, force: true })
}

export interface SdkAgent extends DemoDevnet {
  /** trusts the devnet's simulated roots */
  verifier: EvidenceVerifier
  agent: AppAgent
  /** the KMS's GetMeta */
  meta: { k256_pubkey: string; ca_cert: string }
  /** the demo app's GetAppKey reply, fetched independently of the agent (the reference for its keys) */
  appKey: { k256_key: string; k256_signature: string }
}

/**
 * A devnet (`devnet` options on top) and the demo app's agent as the SDK uses it: unix socket `<home>/dstack.sock`
 * and an ephemeral HTTP port with the full API on it (the simulator use, DSTACK_SIMULATOR_ENDPOINT=http://…),
 * logging to `logger`. Stop it with `stopDemoDevnet(s, s.agent)`.
 */
export async function startSdkAgent(
  prefix: string,
  opts: { devnet?: Partial<DevnetOptions>; logger: Logger },
): Promise<SdkAgent> {
  const d = await startDemoDevnet(prefix, opts.devnet)
  let agent: AppAgent | undefined
  try {
    const tee = await createPlatform(d.appCfg)
    const verifier = createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(d.appCfg) })
    agent = await startAppAgent({
      tee,
      kmsUrl: d.net.urls[0]!,
      kmsTrust: kmsTrustFor(d.appCfg),
      verifier,
      socketPath: join(d.home, 'dstack.sock'),
      port: 0,
      internalApiOnPort: true,
      appCompose: readFileSync(resolve(d.home, 'demo-app-compose.json'), 'utf8'),
      logger: opts.logger,
    })
    const meta = (await rawRequest(`${d.net.urls[0]}/prpc/GetMeta?json`, { method: 'GET' })).json() as SdkAgent['meta']
    const config = d.appCfg
    const r = await callKmsAsWorkload({ config, kmsUrl: d.net.urls[0]!, method: 'GetAppKey', body: {}, tee })
    return { ...d, verifier, agent, meta, appKey: r.body as SdkAgent['appKey'] }
  } catch (e) {
    await stopDemoDevnet(d, agent)
    throw e
  }
}
