import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Address, createPublicClient, custom, type Hex, type PublicClient, pad, parseEventLogs, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testIdentity } from '../../test/support/identity.js'
import type { Identity } from '../attestation/index.js'
import { appRegistry, confirmTx, custosKmsAbi } from '../chain/index.js'
import { fromHex } from '../crypto/index.js'
import { type LocalCustos, type LocalEvmHttp, serveLocalEvmHttp, startLocalCustos } from '../devchain/index.js'
import { memoryLogger } from '../log.js'
import { EVM_RPC_UNREACHABLE, EvmPolicy } from './evmPolicy.js'

const h32 = (n: number): Hex => pad(toHex(n), { size: 32 })
const OS = h32(0x05)
const MR = h32(0xa1)
const DEV = h32(0xd1)
const COMPOSE = h32(0xc0)
const bytes = (h: Hex) => fromHex(h.slice(2))

let lc: LocalCustos
let http: LocalEvmHttp
let app: Address

const identity = (over: Partial<Identity> = {}): Identity =>
  testIdentity({
    platform: 'tdx',
    mrAggregated: bytes(MR),
    mrSystem: new Uint8Array(32),
    osImageHash: bytes(OS),
    composeHash: bytes(COMPOSE),
    appId: bytes(app),
    deviceId: bytes(DEV),
    reportData: new Uint8Array(64),
    ...over,
  })

const send = (p: Promise<Hex>) => confirmTx(lc.evm.publicClient, p)
const appAsOwner = () => appRegistry({ public: lc.evm.publicClient, wallet: lc.evm.wallets[0]! }, app)

/** A client over the in-process EVM that records every JSON-RPC method it sends. */
function countingClient(calls: string[]): PublicClient {
  return createPublicClient({
    chain: lc.evm.chain,
    cacheTime: 0,
    transport: custom({
      request: (a: { method: string; params?: unknown }) => {
        calls.push(a.method)
        return lc.evm.request(a as Parameters<typeof lc.evm.request>[0])
      },
    }),
  }) as unknown as PublicClient
}

beforeAll(async () => {
  lc = await startLocalCustos()
  http = await serveLocalEvmHttp(lc.evm)
  await send(lc.kms.write.addOsImageHash([OS]))
  await send(lc.kms.write.addKmsAggregatedMr([MR]))
  await send(lc.kms.write.addKmsDevice([DEV]))
  await send(lc.kms.write.setGatewayAppId(['gw-test']))
  const owner = lc.evm.accounts[0]!.address
  const receipt = await send(lc.kms.write.deployAndRegisterApp([owner, false, true, h32(0), COMPOSE]))
  const reg = parseEventLogs({ abi: custosKmsAbi, logs: receipt.logs, eventName: 'AppRegistered' })
  app = reg[0]!.args.appId
}, 60_000)

afterAll(async () => {
  await http?.close()
  await lc?.close()
})

const policyOver = (over: Partial<ConstructorParameters<typeof EvmPolicy>[0]> = {}) =>
  new EvmPolicy({ rpcUrl: http.url, chainId: 31337, kmsContract: lc.addresses.kms, maxStalenessMs: 0, ...over })

describe('EvmPolicy over JSON-RPC', () => {
  it('allows a registered app and refuses it on the next request once its compose hash is removed', async () => {
    const log = memoryLogger()
    const p = policyOver({ logger: log })
    expect(await p.check('app', identity())).toEqual({ allowed: true, reason: '', gatewayAppId: 'gw-test' })
    await send(appAsOwner().write.removeComposeHash([COMPOSE]))
    try {
      const d = await p.check('app', identity())
      expect(d).toMatchObject({ allowed: false, reason: 'Compose hash not allowed' })
    } finally {
      await send(appAsOwner().write.addComposeHash([COMPOSE]))
    }
    expect((await p.check('app', identity())).allowed).toBe(true)
    const decisions = log.entries.filter((e) => e.msg === 'policy decision')
    expect(decisions.map((e) => (e.obj as { allowed: boolean }).allowed)).toEqual([true, false, true])
    expect(decisions[0]!.obj).toMatchObject({ policy: 'evm', role: 'app', appId: app.slice(2).toLowerCase() })
  })

  it('returns the contract reasons for apps and KMS nodes', async () => {
    const p = policyOver()
    expect((await p.check('app', identity({ appId: new Uint8Array(20).fill(7) }))).reason).toBe('App not registered')
    expect((await p.check('app', identity({ osImageHash: bytes(h32(9)) }))).reason).toBe('OS image is not allowed')
    expect(await p.check('kms', identity())).toEqual({ allowed: true, reason: '', gatewayAppId: 'gw-test' })
    expect((await p.check('kms', identity({ mrAggregated: bytes(h32(2)) }))).reason).toBe('Aggregated MR not allowed')
    expect((await p.check('kms', identity({ deviceId: bytes(h32(3)) }))).reason).toBe(
      'KMS is not allowed to boot on this device',
    )
    expect((await p.check('kms', identity({ tcbStatus: 'OutOfDate' }))).reason).toBe('TCB status is not allowed')
    expect((await p.check('app', identity({ osImageHash: new Uint8Array(40) }))).reason).toMatch(/^invalid boot info/)
  })

  it('info() comes from the contract', async () => {
    expect(await policyOver().info()).toEqual({
      gatewayAppId: 'gw-test',
      kmsContractAddr: lc.addresses.kms,
      chainId: 31337,
      appImplementation: '0x0000000000000000000000000000000000000000',
    })
    const impl = '0x00000000000000000000000000000000000000A1' as Address
    await confirmTx(lc.evm.publicClient, lc.kms.write.setAppImplementation([impl]))
    expect((await policyOver().info()).appImplementation).toBe(impl)
  })

  it('fails closed when the RPC goes down, and recovers when it is back', async () => {
    const own = await serveLocalEvmHttp(lc.evm)
    const log = memoryLogger()
    const p = policyOver({ rpcUrl: own.url, logger: log, timeoutMs: 2000 })
    expect((await p.check('app', identity())).allowed).toBe(true)
    await own.close()
    const d = await p.check('app', identity())
    expect(d).toEqual({ allowed: false, reason: EVM_RPC_UNREACHABLE, gatewayAppId: '' })
    expect(log.entries.some((e) => e.level === 'error' && e.msg === EVM_RPC_UNREACHABLE)).toBe(true)
    await expect(p.info()).rejects.toMatchObject({ code: 'POLICY_AUTH_UNAVAILABLE' })
    const never = policyOver({ rpcUrl: 'http://127.0.0.1:9/', timeoutMs: 2000 })
    expect((await never.check('kms', identity())).reason).toBe(EVM_RPC_UNREACHABLE)
  })

  it('a hanging RPC is a deny after the timeout', async () => {
    const server = createServer(() => {}) // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const { port } = server.address() as AddressInfo
    try {
      const t = performance.now()
      const d = await policyOver({ rpcUrl: `http://127.0.0.1:${port}/`, timeoutMs: 200 }).check('app', identity())
      expect(d).toEqual({ allowed: false, reason: EVM_RPC_UNREACHABLE, gatewayAppId: '' })
      expect(performance.now() - t).toBeLessThan(3000)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('never logs RPC credentials', async () => {
    const log = memoryLogger()
    const url = new URL(http.url)
    url.username = 'user'
    url.password = 's3cret-token'
    const p = policyOver({ rpcUrl: url.toString(), logger: log })
    expect((await p.check('app', identity())).allowed).toBe(true) // Basic auth is sent, the bridge ignores it
    expect(p.rpcUrl).not.toContain('s3cret')
    await new EvmPolicy({
      rpcUrl: 'http://u:s3cret-token@127.0.0.1:9/',
      chainId: 1,
      kmsContract: app,
      logger: log,
    }).check('app', identity())
    expect(JSON.stringify(log.entries)).not.toContain('s3cret')
  })

  it('refuses everything on the wrong chain id, naming both ids', async () => {
    const log = memoryLogger()
    const p = policyOver({ chainId: 999, logger: log })
    const d = await p.check('app', identity())
    expect(d.allowed).toBe(false)
    expect(d.reason).toMatch(/^authorization backend unavailable: wrong chain: .* is chain 31337, .* expects chain 999/)
    expect(log.entries.some((e) => e.level === 'error')).toBe(true)
    await expect(p.info()).rejects.toMatchObject({ code: 'POLICY_AUTH_UNAVAILABLE' })
  })

  it('refuses everything when no CustosKms is deployed at the address, naming it', async () => {
    const nowhere = `0x${'5a'.repeat(20)}`
    const d = await policyOver({ kmsContract: nowhere }).check('app', identity())
    expect(d.allowed).toBe(false)
    expect(d.reason).toContain('contract not deployed')
    expect(d.reason.toLowerCase()).toContain(nowhere)
    // code at the address, but not a CustosKms: the call reverts → deny
    const wrong = await policyOver({ kmsContract: app }).check('app', identity())
    expect(wrong.allowed).toBe(false)
    expect(wrong.reason).toMatch(/^authorization backend unavailable: /)
  })
})

describe('EvmPolicy per-block cache', () => {
  it('serves repeated decisions from the cache and sees a removal once the staleness bound passes', async () => {
    const calls: string[] = []
    let now = 0
    const p = policyOver({ client: countingClient(calls), maxStalenessMs: 1000, clock: () => now })
    expect((await p.check('app', identity())).allowed).toBe(true)
    expect(calls).toEqual(['eth_chainId', 'eth_getCode', 'eth_blockNumber', 'eth_call', 'eth_call'])
    calls.length = 0
    expect((await p.check('app', identity())).allowed).toBe(true)
    expect(calls).toEqual([]) // warm: no RPC at all
    expect((await p.check('kms', identity())).allowed).toBe(true)
    expect(calls).toEqual(['eth_call']) // cold for this key: one round trip
    await send(appAsOwner().write.removeComposeHash([COMPOSE]))
    try {
      now = 999
      expect((await p.check('app', identity())).allowed).toBe(true) // within the bound: the cached block
      now = 1000
      expect(await p.check('app', identity())).toMatchObject({ allowed: false, reason: 'Compose hash not allowed' })
    } finally {
      await send(appAsOwner().write.addComposeHash([COMPOSE]))
    }
  })
})
