import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import type { AppAgent } from '../agent/index.js'
import { canonicalAppCompose, type Identity } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import type { Logger } from '../log.js'
import { startAgentFor } from './agentNode.js'
import { type Config, loadConfig } from './config.js'
import { devConfigToml } from './devFiles.js'
import { type DevnetChain, startDevnetChain } from './devnetChain.js'
import { committeeNodeKeyOf } from './mpcNode.js'
import { type RunningNode, startNode } from './node.js'
import { identityOf } from './platform.js'

/** The "OS image" every devnet VM boots (a label, not a real image). */
export const DEVNET_OS_IMAGE_HASH = 'c0570500000000000000000000000000000000000000000000000000000de0e7'
/** App composes in dstack's canonical form, so `getComposeHash()` of the SDK reproduces their compose hashes. */
export const KMS_COMPOSE = canonicalAppCompose({
  manifest_version: 2,
  name: 'custos-kms',
  runner: 'custos',
  no_instance_id: true,
})
export const DEMO_APP_COMPOSE = canonicalAppCompose({
  manifest_version: 2,
  name: 'demo-app',
  runner: 'docker-compose',
  docker_compose_file: 'services: {}',
  kms_enabled: true,
})

export interface DevnetOptions {
  home: string
  nodes?: number
  /** first KMS port; 0 gives every node an ephemeral port (tests) */
  basePort?: number
  logger?: Logger
  /** progress lines for a person (stdout in the CLI) */
  progress?: (line: string) => void
  /** start the demo app's guest agent (unix socket `<home>/demo-app/dstack.sock`); default true */
  agent?: boolean
  /** also serve the guest agent's full API on this loopback port (the simulator endpoint: app keys included) */
  agentPort?: number
  /** run a local EVM with the Custos contracts and put the nodes on the `evm` policy */
  chain?: boolean
  /** loopback port of the chain's JSON-RPC (default: any free port) */
  chainPort?: number
  /**
   * Also run a 2-of-3 threshold committee on the first 3 nodes (DKG for an Ed25519, a BIP-340 and a secp256k1
   * FROST domain; needs nodes ≥ 3). Its p2p ports are basePort+100+i, its APIs basePort+200+i (any with 0).
   */
  committee?: boolean
}

export interface DevnetCommittee {
  /** sign API per member */
  apiUrls: string[]
  /** bearer token of the devnet predecessor `devnet.near` (also in <home>/mpc-token) */
  token: string
  predecessor: string
}

export interface Devnet {
  home: string
  nodes: RunningNode[]
  urls: string[]
  demoApp: { home: string; appId: string; composeHash: string }
  /** the demo app's dstack guest agent (point @phala/dstack-sdk at `agent.endpoints.socketPath`) */
  agent?: AppAgent
  /** the local EVM, when started with `chain: true` */
  chain?: DevnetChain
  /** the threshold committee, when started with `committee: true` (its DKG has completed) */
  committee?: DevnetCommittee
  close(): Promise<void>
}

function nodeToml(i: number, port: number): string {
  return devConfigToml([
    ['node', 'name', `"node${i}"`],
    ['tee.simulated', 'vendor_dir', '"../vendor"'],
    ['tee.simulated', 'machine_dir', '"machine"'],
    ['tee.simulated', 'app_compose', '"../kms-compose.json"'],
    ['tee.simulated', 'os_image_hash', `"${DEVNET_OS_IMAGE_HASH}"`],
    ['policy', 'file', '"../policy.json"'],
    ['kms', 'listen', `"127.0.0.1:${port}"`],
    ['kms', 'auto_bootstrap_domain', i === 1 ? '"localhost"' : '""'],
  ])
}

/**
 * The demo app's config. With `kms` (node 1's root keys, known once it bootstrapped) the app trusts exactly
 * that KMS: its root CA key, its root k256 key, and its measurement through the devnet policy (role kms).
 */
export function demoAppToml(kms?: { rootCaSpki: string; k256Pubkey: string }): string {
  return devConfigToml([
    ['node', 'name', '"demo-app"'],
    ['tee.simulated', 'vendor_dir', '"../vendor"'],
    ['tee.simulated', 'machine_dir', '"machine"'],
    ['tee.simulated', 'app_compose', '"../demo-app-compose.json"'],
    ['tee.simulated', 'os_image_hash', `"${DEVNET_OS_IMAGE_HASH}"`],
    ['policy', 'file', '"../policy.json"'],
    ['kms', 'enabled', 'false'],
    ...(kms
      ? ([
          ['agent', 'kms_root_ca_pubkeys', `["${kms.rootCaSpki}"]`],
          ['agent', 'kms_k256_pubkeys', `["${kms.k256Pubkey}"]`],
          ['agent', 'kms_policy', 'true'],
        ] as Array<[string, string, string]>)
      : []),
  ])
}

/** auth-simple policy allowing the devnet's KMS measurement on its machines, and the demo app anywhere. */
function devnetPolicy(kms: Identity[], app: Identity): string {
  return `${JSON.stringify(
    {
      gatewayAppId: 'any',
      osImages: [toHex(kms[0]!.osImageHash)],
      allowedTcbStatuses: ['UpToDate'],
      allowedAdvisoryIds: [],
      kms: {
        mrAggregated: [...new Set(kms.map((k) => toHex(k.mrAggregated)))],
        devices: kms.map((k) => toHex(k.deviceId)),
        allowAnyDevice: false,
      },
      apps: { [toHex(app.appId)]: { composeHashes: [toHex(app.composeHash)], devices: [], allowAnyDevice: true } },
    },
    null,
    2,
  )}\n`
}

/** The root keys a devnet app pins: node 1's (every node holds the same after onboarding). */
function kmsPins(node: RunningNode): { rootCaSpki: string; k256Pubkey: string } {
  const info = node.kms.material().bootstrapInfo
  if (!info) throw new Error('devnet node1 has no bootstrap info: remove the devnet folder and start again')
  return { rootCaSpki: info.ca_pubkey, k256Pubkey: info.k256_pubkey }
}

function pinsAKms(toml: string): boolean {
  const a = loadConfig('.', toml).agent
  return a.kms_root_ca_pubkeys.length > 0 || a.kms_k256_pubkeys.length > 0 || a.kms_policy
}

const writeOnce = (file: string, text: string) => {
  if (!existsSync(file)) writeFileSync(file, text, { mode: 0o600 })
}

/**
 * A local KMS network on loopback: N simulated nodes sharing one simulated vendor, a generated static
 * policy, node 1 bootstrapped, the others onboarded from it. All state lives under `home`; running it
 * again restarts from there (nodes that hold keys go straight to serving).
 */
export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  // With basePort 0 the committee's ports are probed free before the nodes bind them (peers must know each
  // other's URLs first), so another process can take one in between: pick new ports and start again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevnetOnce(opts)
    } catch (e) {
      const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
      if (!inUse || (opts.basePort ?? 8001) !== 0 || !opts.committee || attempt >= 3) throw e
    }
  }
}

async function startDevnetOnce(opts: DevnetOptions): Promise<Devnet> {
  const home = resolve(opts.home)
  const n = opts.nodes ?? 3
  const basePort = opts.basePort ?? 8001
  const say = opts.progress ?? (() => {})
  mkdirSync(home, { recursive: true, mode: 0o700 })
  writeOnce(resolve(home, 'kms-compose.json'), KMS_COMPOSE)
  writeOnce(resolve(home, 'demo-app-compose.json'), DEMO_APP_COMPOSE)

  const homes = Array.from({ length: n }, (_, i) => resolve(home, `node${i + 1}`))
  homes.forEach((h, i) => {
    mkdirSync(h, { recursive: true, mode: 0o700 })
    writeOnce(resolve(h, 'custos.toml'), nodeToml(i + 1, basePort === 0 ? 0 : basePort + i))
  })
  const appHome = resolve(home, 'demo-app')
  const appToml = resolve(appHome, 'custos.toml')
  mkdirSync(appHome, { recursive: true, mode: 0o700 })

  let configs = homes.map((h) => loadConfig(h, readFileSync(resolve(h, 'custos.toml'), 'utf8')))
  say(`measuring ${n} simulated KMS nodes and the demo app …`)
  // One after the other: the first call creates the shared simulated vendor.
  const kmsIds: Identity[] = []
  for (const c of configs) kmsIds.push(await identityOf(c))
  // The app's identity does not depend on its KMS trust, which is written once node 1 has keys (below).
  const appId = await identityOf(
    loadConfig(appHome, existsSync(appToml) ? readFileSync(appToml, 'utf8') : demoAppToml()),
  )
  writeFileSync(resolve(home, 'policy.json'), devnetPolicy(kmsIds, appId), { mode: 0o600 })
  let chain: DevnetChain | undefined
  if (opts.chain) {
    say('chain: starting a local EVM, deploying the Custos contracts, registering the devnet measurements …')
    chain = await startDevnetChain({
      kms: kmsIds,
      app: appId,
      progress: say,
      ...(opts.chainPort !== undefined ? { port: opts.chainPort } : {}),
    })
    writeFileSync(resolve(home, 'chain-deployment.json'), `${JSON.stringify(chain.deployment, null, 2)}\n`)
    const policy = chain.policy
    configs = configs.map((c) => ({ ...c, policy: { ...c.policy, ...policy } }))
  }

  let committee: DevnetCommittee | undefined
  if (opts.committee) {
    if (n < 3) throw new Error('a devnet committee needs at least 3 nodes')
    say('committee: 2-of-3 threshold signing on node1..node3 (DKG runs at start) …')
    const c = await devnetCommittee(home, configs.slice(0, 3), basePort)
    configs = configs.map((cfg, i) => (i < 3 ? { ...cfg, mpc: c.mpc[i]! } : cfg))
    committee = c.info
  }

  const nodes: RunningNode[] = []
  const urls: string[] = []
  try {
    for (const [i, cfg] of configs.entries()) {
      const logger = opts.logger?.child({ node: `node${i + 1}` })
      const node = await startNode(cfg, { dev: true, ...(logger ? { logger } : {}) })
      nodes.push(node)
      if (i > 0 && !node.kms.ready) {
        say(`node${i + 1}: onboarding from node1 …`)
        const r = await fetch(`${node.onboard!.url}/prpc/Onboard?json`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ source_url: `${urls[0]}/prpc`, domain: 'localhost' }),
        })
        if (r.status !== 200) throw new Error(`node${i + 1} onboarding failed: ${await r.text()}`)
        await fetch(`${node.onboard!.url}/finish`)
      }
      const main = await node.main
      urls.push(main.url)
      say(`node${i + 1}: KMS serving at ${main.url}`)
      // A demo app toml from before apps pinned their KMS is rewritten; one that pins something is kept.
      if (i === 0 && !(existsSync(appToml) && pinsAKms(readFileSync(appToml, 'utf8'))))
        writeFileSync(appToml, demoAppToml(kmsPins(node)), { mode: 0o600 })
    }
  } catch (e) {
    await Promise.all(nodes.map((x) => x.close()))
    await chain?.close()
    throw e
  }
  if (committee) {
    try {
      const end = Date.now() + 60_000
      while (!nodes.slice(0, 3).every((x) => x.mpc?.service.ready)) {
        if (Date.now() > end) throw new Error('the devnet committee did not complete its DKG within 60 s')
        await new Promise((r) => setTimeout(r, 100))
      }
      committee.apiUrls = nodes.slice(0, 3).map((x) => x.mpc!.api.url)
      say(`committee: DKG complete; sign APIs ${committee.apiUrls.join(' ')}`)
    } catch (e) {
      await Promise.all(nodes.map((x) => x.close()))
      await chain?.close()
      throw e
    }
  }
  const appCfg = loadConfig(appHome, readFileSync(appToml, 'utf8'))
  let agent: AppAgent | undefined
  if (opts.agent ?? true) {
    say('demo-app: starting its dstack guest agent …')
    try {
      agent = await startAgentFor(appCfg, {
        kmsUrl: urls[0]!,
        socketPath: resolve(appHome, 'dstack.sock'),
        // the devnet's port is the simulator endpoint (DSTACK_SIMULATOR_ENDPOINT): the full API on a simulated TEE
        ...(opts.agentPort !== undefined ? { port: opts.agentPort, internalApiOnPort: true } : {}),
        ...(opts.logger ? { logger: opts.logger.child({ node: 'demo-app-agent' }) } : {}),
      })
    } catch (e) {
      await Promise.all(nodes.map((x) => x.close()))
      await chain?.close()
      throw e
    }
  }
  return {
    home,
    nodes,
    urls,
    demoApp: { home: appHome, appId: toHex(appId.appId), composeHash: toHex(appId.composeHash) },
    ...(agent ? { agent } : {}),
    ...(chain ? { chain } : {}),
    ...(committee ? { committee } : {}),
    close: async () => {
      await agent?.stop()
      await Promise.all(nodes.map((x) => x.close()))
      await chain?.close()
    },
  }
}

async function freeLoopbackPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => s.once('listening', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

/**
 * The devnet committee: node keys (generated and sealed in each node's store), `<home>/committee.json` (epoch 1,
 * t = 2, domains 0 Ed25519, 1 Bip340, 2 Secp256k1Frost) and a bearer token for predecessor `devnet.near`
 * (`<home>/mpc-token`, kept across restarts), allowed on every domain; attested apps (`app:*`) may use 0 and 1.
 */
async function devnetCommittee(
  home: string,
  configs: Config[],
  basePort: number,
): Promise<{ mpc: Array<Config['mpc']>; info: DevnetCommittee }> {
  const tokenFile = resolve(home, 'mpc-token')
  writeOnce(tokenFile, `${randomBytes(24).toString('hex')}\n`)
  const token = readFileSync(tokenFile, 'utf8').trim()
  const ports: Array<{ p2p: number; api: number }> = []
  for (let i = 0; i < configs.length; i++)
    ports.push(
      basePort === 0
        ? { p2p: await freeLoopbackPort(), api: await freeLoopbackPort() }
        : { p2p: basePort + 100 + i, api: basePort + 200 + i },
    )
  const keys: string[] = []
  for (const c of configs) keys.push(toHex(await committeeNodeKeyOf(c, true)))
  const file = resolve(home, 'committee.json')
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        epoch: 1,
        threshold: 2,
        participants: configs.map((_, i) => ({ id: i, node_key: keys[i], url: `https://127.0.0.1:${ports[i]!.p2p}` })),
        domains: [
          { id: 0, scheme: 'Ed25519', purpose: 'Sign' },
          { id: 1, scheme: 'Bip340', purpose: 'Sign' },
          { id: 2, scheme: 'Secp256k1Frost', purpose: 'Sign' },
        ],
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  )
  const predecessor = 'devnet.near'
  const mpc = configs.map((c, i) => ({
    ...c.mpc,
    enabled: true,
    participant_id: i,
    p2p_listen: `127.0.0.1:${ports[i]!.p2p}`,
    listen: `127.0.0.1:${ports[i]!.api}`,
    committee_file: file,
    api_tokens: [{ sha256: createHash('sha256').update(token).digest('hex'), predecessor }],
    allow: [
      { predecessor, domains: [0, 1, 2] },
      { predecessor: 'app:*', domains: [0, 1] },
    ],
  }))
  return { mpc, info: { apiUrls: ports.map((p) => `http://127.0.0.1:${p.api}`), token, predecessor } }
}
