/**
 * On-chain governance end to end: a real EVM (EDR) served as JSON-RPC over loopback HTTP, the Custos
 * contracts deployed on it, the devnet's simulated measurements registered, and KMS nodes configured with
 * `[policy] backend = "evm"` deciding every key release from the chain.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Address, type Hex, parseEventLogs } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Identity } from '../../src/attestation/index.js'
import { appRegistry, confirmTx, custosKmsAbi } from '../../src/chain/index.js'
import { toHex } from '../../src/crypto/index.js'
import { type LocalCustos, type LocalEvmHttp, serveLocalEvmHttp, startLocalCustos } from '../../src/devchain/index.js'
import { nullLogger } from '../../src/log.js'
import {
  type Config,
  callKmsAsWorkload,
  type Devnet,
  loadConfig,
  type RunningNode,
  startDevnet,
  startNode,
} from '../../src/node/index.js'
import { identityOf } from '../../src/node/platform.js'
import { rawRequest } from '../support/http.js'

let home: string
let lc: LocalCustos
let rpc: LocalEvmHttp
let net: Devnet
let appAddr: Address
let kmsId: Identity
let appId: Identity
let node: RunningNode
let nodeUrl: string

const hex32 = (b: Uint8Array): Hex => `0x${toHex(b).padStart(64, '0')}`
const send = (p: Promise<Hex>) => confirmTx(lc.evm.publicClient, p)
const node1Home = () => resolve(home, 'node1')
const node1Toml = () => readFileSync(resolve(node1Home(), 'custos.toml'), 'utf8')

function evmPolicy(over: Record<string, unknown> = {}) {
  return {
    backend: 'evm',
    evm_rpc_url: rpc.url,
    evm_chain_id: 31337,
    evm_kms_contract: lc.addresses.kms,
    evm_max_staleness_ms: 0,
    ...over,
  }
}

/** node1's configuration (its keys, machine and measurement) with the evm policy and `over` applied. */
function kmsConfig(over: { policy?: Record<string, unknown>; [k: string]: unknown } = {}): Config {
  const { policy, ...rest } = over
  const kms = (rest.kms as Record<string, unknown> | undefined) ?? {}
  return loadConfig(node1Home(), node1Toml(), {
    ...rest,
    policy: evmPolicy(policy),
    kms: { listen: '127.0.0.1:0', ...kms },
  })
}

async function startKms(over: Parameters<typeof kmsConfig>[0] = {}): Promise<{ node: RunningNode; url: string }> {
  const n = await startNode(kmsConfig(over), { dev: true, logger: nullLogger })
  return { node: n, url: (await n.main).url }
}

function appConfig(): Config {
  const toml = readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8')
  return loadConfig(net.demoApp.home, toml, { tee: { simulated: { app_id: appAddr.slice(2).toLowerCase() } } })
}

const getAppKey = (kmsUrl: string) =>
  callKmsAsWorkload({ config: appConfig(), kmsUrl, method: 'GetAppKey', body: { api_version: 1 } })

function refused(r: { status: number; body: unknown }, codes: string[], pattern: RegExp): void {
  const b = r.body as Record<string, unknown>
  expect(r.status).toBe(400)
  expect(codes).toContain(b.code)
  expect(String(b.error)).toMatch(pattern)
  for (const k of ['disk_crypt_key', 'env_crypt_key', 'k256_key', 'k256_signature']) expect(b[k]).toBeUndefined()
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-governance-'))
  // the devnet lays out node1 (bootstrapped, keys sealed), the simulated vendor and the demo app
  net = await startDevnet({ home, nodes: 1, basePort: 0, agent: false, logger: nullLogger })
  await net.close()
  lc = await startLocalCustos()
  rpc = await serveLocalEvmHttp(lc.evm)

  kmsId = await identityOf(loadConfig(node1Home(), node1Toml()))
  const owner = lc.evm.accounts[0]!.address
  await send(lc.kms.write.addOsImageHash([hex32(kmsId.osImageHash)]))
  await send(lc.kms.write.addKmsAggregatedMr([hex32(kmsId.mrAggregated)]))
  await send(lc.kms.write.addKmsDevice([hex32(kmsId.deviceId)]))
  await send(lc.kms.write.setGatewayAppId(['gw-evm']))
  // the demo app's contract: its address is the app id; allowed on any device with the demo compose hash
  const demo = await identityOf(
    loadConfig(net.demoApp.home, readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8')),
  )
  const receipt = await send(
    lc.kms.write.deployAndRegisterApp([owner, false, true, hex32(new Uint8Array(32)), hex32(demo.composeHash)]),
  )
  appAddr = parseEventLogs({ abi: custosKmsAbi, logs: receipt.logs, eventName: 'AppRegistered' })[0]!.args.appId
  appId = await identityOf(appConfig())
  ;({ node, url: nodeUrl } = await startKms())
}, 120_000)

afterAll(async () => {
  await node?.close()
  await rpc?.close()
  await lc?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('governance on chain (evm policy)', () => {
  it('the app the chain allows gets its keys; the gateway app id comes from the contract', async () => {
    expect(toHex(appId.appId)).toBe(appAddr.slice(2).toLowerCase())
    const r = await getAppKey(nodeUrl)
    expect(r.status).toBe(200)
    const b = r.body as Record<string, string>
    expect(b.disk_crypt_key).toMatch(/^[0-9a-f]{64}$/)
    expect(b.gateway_app_id).toBe('gw-evm')
  })

  it('GetMeta reports the chain, the registry and the gateway app id', async () => {
    const meta = (await rawRequest(`${nodeUrl}/prpc/GetMeta?json`, { method: 'GET' })).json() as Record<string, unknown>
    expect(meta).toMatchObject({ chain_id: 31337, gateway_app_id: 'gw-evm', is_dev: false })
    expect(String(meta.kms_contract_address).toLowerCase()).toBe(lc.addresses.kms.toLowerCase())
  })

  it('removing the compose hash on chain refuses the very next request with the chain reason', async () => {
    const app = appRegistry({ public: lc.evm.publicClient, wallet: lc.evm.wallets[0]! }, appAddr)
    await send(app.write.removeComposeHash([hex32(appId.composeHash)]))
    try {
      refused(await getAppKey(nodeUrl), ['KMS_APP_NOT_ALLOWED'], /Compose hash not allowed/)
    } finally {
      await send(app.write.addComposeHash([hex32(appId.composeHash)]))
    }
    expect((await getAppKey(nodeUrl)).status).toBe(200)
  })

  it('a KMS with a registered measurement on a registered device onboards; an unregistered mr_aggregated cannot', async () => {
    const { onboardFrom } = await import('../../src/kms/index.js')
    const ok = await startNode(kmsConfig({ node: { data_dir: 'data-replica' }, kms: { auto_bootstrap_domain: '' } }), {
      dev: true,
      logger: nullLogger,
    })
    try {
      expect(ok.kms.ready).toBe(false)
      await onboardFrom(ok.kms, nodeUrl, 'localhost')
      expect(ok.kms.ready).toBe(true)
    } finally {
      await ok.close()
    }

    writeFileSync(
      resolve(home, 'rogue-kms-compose.json'),
      '{"manifest_version":2,"name":"rogue-kms","runner":"custos"}\n',
    )
    const rogueOver = {
      node: { data_dir: 'data-rogue' },
      tee: { simulated: { app_compose: '../rogue-kms-compose.json' } },
      kms: { auto_bootstrap_domain: '', enforce_self_authorization: false },
    }
    const rogueId = await identityOf(kmsConfig(rogueOver))
    expect(toHex(rogueId.mrAggregated)).not.toBe(toHex(kmsId.mrAggregated))
    const rogue = await startNode(kmsConfig(rogueOver), { dev: true, logger: nullLogger })
    try {
      await expect(onboardFrom(rogue.kms, nodeUrl, 'localhost')).rejects.toMatchObject({
        code: expect.stringMatching(/^KMS_(ONBOARD_FAILED|KMS_NOT_ALLOWED)$/),
        message: expect.stringMatching(/Aggregated MR not allowed/),
      })
      expect(rogue.kms.ready).toBe(false)
    } finally {
      await rogue.close()
    }
  })
})

describe('governance backend failures release nothing', () => {
  /** Restart node1 with other policy settings for one test (same sealed keys), then restore it. */
  async function withNode(policy: Record<string, unknown>, fn: (url: string) => Promise<void>): Promise<void> {
    await node.close()
    const other = await startKms({ policy })
    try {
      await fn(other.url)
    } finally {
      await other.node.close()
      ;({ node, url: nodeUrl } = await startKms())
    }
  }

  it('RPC down: refused with "authorization backend unavailable"', async () => {
    const own = await serveLocalEvmHttp(lc.evm)
    await withNode({ evm_rpc_url: own.url }, async (url) => {
      expect((await getAppKey(url)).status).toBe(200)
      await own.close()
      refused(
        await getAppKey(url),
        ['KMS_SELF_NOT_ALLOWED', 'KMS_APP_NOT_ALLOWED'],
        /authorization backend unavailable: chain RPC unreachable/,
      )
    })
  })

  it('wrong chain id: refused, naming the chain ids', async () => {
    await withNode({ evm_chain_id: 999 }, async (url) => {
      refused(
        await getAppKey(url),
        ['KMS_SELF_NOT_ALLOWED', 'KMS_APP_NOT_ALLOWED'],
        /is chain 31337.*expects chain 999/,
      )
    })
  })

  it('contract not deployed: refused, naming the address', async () => {
    const nowhere = `0x${'5a'.repeat(20)}`
    await withNode({ evm_kms_contract: nowhere }, async (url) => {
      const r = await getAppKey(url)
      refused(r, ['KMS_SELF_NOT_ALLOWED', 'KMS_APP_NOT_ALLOWED'], /contract not deployed/)
      expect(String((r.body as { error: string }).error).toLowerCase()).toContain(nowhere)
    })
  })
})
