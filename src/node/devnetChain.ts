import { type Address, bytesToHex, getAddress, type Hex, pad, zeroHash } from 'viem'
import type { Identity } from '../attestation/index.js'
import { appRegistry, ChainError, confirmTx, kmsRegistry, toAppBootInfo } from '../chain/index.js'
import type { CommitteeMemberInput, LocalEvm, LocalEvmHttp } from '../devchain/index.js'

export interface DevnetChainOptions {
  /** the devnet's KMS nodes (their OS image, mr_aggregated, device and TCB status are allowed) */
  kms: readonly Identity[]
  /** the demo app: its compose hash is allowed on any device; its app contract sits at `app.appId` */
  app: Identity
  /** loopback port of the JSON-RPC endpoint; default 0 (ephemeral) */
  port?: number
  /** `[policy] evm_max_staleness_ms` for the nodes; default 1000 */
  maxStalenessMs?: number
  /** also deploy a CustosCommittee: KMS node i ↔ dev account i+1, threshold ⌊n/2⌋+1, their mr_aggregated allowed */
  committee?: boolean
  progress?: (line: string) => void
}

/** The `[policy]` keys a devnet node needs to use the chain (merge into its config). */
export interface DevnetChainPolicy {
  backend: 'evm'
  evm_rpc_url: string
  evm_chain_id: number
  evm_kms_contract: string
  evm_committee_contract: string
  evm_max_staleness_ms: number
}

export interface DevnetChain {
  rpcUrl: string
  chainId: number
  addresses: { kms: Address; app: Address; committee?: Address }
  /** dev account 0: owns the KMS registry and the demo app */
  owner: Address
  policy: DevnetChainPolicy
  /** the JSON `custos contracts … --deployment FILE` reads (write it beside the devnet state) */
  deployment: { chainId: number; rpcUrl: string; kms: Address; committee?: Address; deployer: Address; fromBlock: 0 }
  evm: LocalEvm
  close(): Promise<void>
}

const h = (b: Uint8Array): Hex => bytesToHex(b)
const uniq = (xs: Hex[]) => [...new Set(xs)]

/** dev-only: put a CustosApp at exactly `target` (the simulated TEE's measured app id) via hardhat_setCode. */
async function pinApp(evm: LocalEvm, template: Address, target: Address, owner: Address): Promise<void> {
  const code = await evm.publicClient.getCode({ address: template })
  if (!code || code === '0x') throw new ChainError('CHAIN_EVM_FAILED', 'the CustosApp template has no code')
  await evm.request({ method: 'hardhat_setCode', params: [target, code] })
  // Owned.owner is storage slot 0 (checked below through owner())
  await evm.request({ method: 'hardhat_setStorageAt', params: [target, '0x0', pad(owner, { size: 32 })] })
  const app = appRegistry(evm.publicClient, target)
  if ((await app.read.owner()) !== owner) {
    throw new ChainError('CHAIN_EVM_FAILED', 'pinning the demo app contract failed (storage layout changed?)')
  }
}

/**
 * The devnet's chain: a real EVM (EDR, in process) served as JSON-RPC on loopback, the Custos contracts deployed
 * from dev account 0, and the devnet's simulated measurements registered — OS image(s), KMS mr_aggregated,
 * KMS devices, TCB statuses, and an app contract for the demo app (its compose hash, any device). The app
 * contract is placed at the app id the simulated TEE measures (dstack's app id is the contract address; on a
 * real chain run `custos contracts create-app` and put its id in the VM config instead). INSECURE: dev keys.
 */
export async function startDevnetChain(opts: DevnetChainOptions): Promise<DevnetChain> {
  const say = opts.progress ?? (() => {})
  if (opts.kms.length === 0) throw new ChainError('CHAIN_BAD_INPUT', 'startDevnetChain needs at least one KMS identity')
  // The dev tooling (EDR, solc) is loaded here, for `custos dev --chain` only: `custos start` never loads it.
  const { compileContracts, deployContract, deployContracts, serveLocalEvmHttp, startLocalEvm } = await import(
    '../devchain/index.js'
  )
  const { artifacts } = await compileContracts()
  const evm = await startLocalEvm()
  let http: LocalEvmHttp | undefined
  try {
    http = await serveLocalEvmHttp(evm, { port: opts.port ?? 0, host: '127.0.0.1' })
    say(`chain: local EVM (EDR, chain ${evm.chainId}) at ${http.url}`)
    const wallet = evm.wallets[0]!
    const owner = evm.accounts[0]!.address
    const kmsMrs = uniq(opts.kms.map((k) => h(k.mrAggregated)))
    const committee = opts.committee
      ? {
          participants: opts.kms.map(
            (_, i): CommitteeMemberInput => ({
              account: evm.accounts[(i + 1) % evm.accounts.length]!.address,
              signingPubkey: '0x',
              url: '',
            }),
          ),
          threshold: Math.floor(opts.kms.length / 2) + 1,
          codeHashes: kmsMrs,
        }
      : undefined
    const deployed = await deployContracts(wallet, artifacts, committee ? { committee } : {})
    const kms = kmsRegistry({ public: evm.publicClient, wallet }, deployed.kms)
    const send = (p: Promise<Hex>, what: string) => confirmTx(evm.publicClient, p, what)

    const images = uniq([...opts.kms, opts.app].filter((i) => i.osImageHash.length === 32).map((i) => h(i.osImageHash)))
    for (const img of images) await send(kms.write.addOsImageHash([img]), 'addOsImageHash')
    for (const mr of kmsMrs) await send(kms.write.addKmsAggregatedMr([mr]), 'addKmsAggregatedMr')
    for (const d of uniq(opts.kms.map((k) => h(k.deviceId)))) await send(kms.write.addKmsDevice([d]), 'addKmsDevice')
    for (const s of new Set(opts.kms.map((k) => k.tcbStatus))) {
      if (s !== 'UpToDate' && s !== '') await send(kms.write.addTcbStatus([s]), 'addTcbStatus')
    }

    const compose = opts.app.composeHash.length === 32 ? h(opts.app.composeHash) : zeroHash
    let appAddress: Address
    if (opts.app.appId.length === 20) {
      appAddress = getAddress(h(opts.app.appId))
      const template = await deployContract(wallet, artifacts.CustosApp, [owner, false, true, zeroHash, zeroHash])
      await pinApp(evm, template, appAddress, owner)
      const app = appRegistry({ public: evm.publicClient, wallet }, appAddress)
      await send(app.write.setAllowAnyDevice([true]), 'setAllowAnyDevice')
      if (compose !== zeroHash) await send(app.write.addComposeHash([compose]), 'addComposeHash')
      await send(kms.write.registerApp([appAddress]), 'registerApp')
    } else {
      const r = await kms.simulate.deployAndRegisterApp([owner, false, true, zeroHash, compose])
      await send(kms.write.deployAndRegisterApp([owner, false, true, zeroHash, compose]), 'deployAndRegisterApp')
      appAddress = r.result
    }

    // sanity: the chain must say yes for exactly what the devnet will present
    for (const k of opts.kms) {
      const [ok, reason] = await kms.read.isKmsAllowed([bootInfoOf(k)])
      if (!ok) throw new ChainError('CHAIN_EVM_FAILED', `devnet chain setup: KMS identity refused (${reason})`)
    }
    const [appOk, appReason] = await kms.read.isAppAllowed([bootInfoOf(opts.app, appAddress)])
    if (!appOk) throw new ChainError('CHAIN_EVM_FAILED', `devnet chain setup: demo app refused (${appReason})`)
    say(
      `chain: CustosKms ${deployed.kms}, demo app ${appAddress}${deployed.committee ? `, committee ${deployed.committee}` : ''}`,
    )

    const served = http
    return {
      rpcUrl: served.url,
      chainId: evm.chainId,
      addresses: {
        kms: deployed.kms,
        app: appAddress,
        ...(deployed.committee ? { committee: deployed.committee } : {}),
      },
      owner,
      evm,
      deployment: {
        chainId: evm.chainId,
        rpcUrl: served.url,
        kms: deployed.kms,
        ...(deployed.committee ? { committee: deployed.committee } : {}),
        deployer: owner,
        fromBlock: 0,
      },
      policy: {
        backend: 'evm',
        evm_rpc_url: served.url,
        evm_chain_id: evm.chainId,
        evm_kms_contract: deployed.kms,
        evm_committee_contract: deployed.committee ?? '',
        evm_max_staleness_ms: opts.maxStalenessMs ?? 1000,
      },
      close: async () => {
        await served.close()
        await evm.close()
      },
    }
  } catch (e) {
    await http?.close()
    await evm.close()
    throw e
  }
}

/** The AppBootInfo the policy backend will build for this identity (app id overridable). */
export function bootInfoOf(id: Identity, appId?: Address) {
  return toAppBootInfo({
    appId: appId ?? h(id.appId),
    composeHash: h(id.composeHash),
    instanceId: h(id.instanceId),
    deviceId: h(id.deviceId),
    mrAggregated: h(id.mrAggregated),
    mrSystem: h(id.mrSystem),
    osImageHash: h(id.osImageHash),
    tcbStatus: id.tcbStatus,
    advisoryIds: id.advisoryIds,
  })
}
