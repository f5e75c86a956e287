import type { Address, Chain, Hex, PublicClient, Transport } from 'viem'
import {
  appRegistry,
  committeeContract,
  custosAppAbi,
  custosCommitteeAbi,
  custosKmsAbi,
  kmsRegistry,
  readChain,
} from '../../chain/index.js'

type Client = PublicClient<Transport, Chain>

export interface AppState {
  appId: Address
  owner: Address
  allowAnyDevice: boolean
  requireTcbUpToDate: boolean
  composeHashes: Hex[]
  devices: Hex[]
}

export interface KmsState {
  address: Address
  owner: Address
  pendingOwner: Address
  gatewayAppId: string
  openAppRegistration: boolean
  kmsAllowAnyDevice: boolean
  osImages: Hex[]
  kmsAggregatedMrs: Hex[]
  kmsDevices: Hex[]
  tcbStatuses: string[]
  apps: AppState[]
}

export interface ParticipantState {
  account: Address
  id: number
  url: string
  signingPubkey: Hex
  attestation?: { digest: Hex; measurement: Hex; submittedAt: number; epochId: number; valid: boolean }
}

export interface CommitteeState {
  address: Address
  state: 'Running' | 'Resharing' | 'Initializing'
  epochId: number
  nextEpochId: number
  threshold: number
  participants: ParticipantState[]
  /** key domains; publicKey '0x' while its key is not generated yet */
  domains: Array<{ id: number; scheme: number; purpose: string; publicKey: Hex }>
  allowedCodeHashes: Hex[]
  /** parameter proposals with votes for the next epoch (Running) */
  pendingProposals: Array<{ prospectiveEpochId: number; proposalHash: Hex; votes: number }>
  /** resharing in progress */
  resharing?: {
    prospectiveEpochId: number
    proposalHash: Hex
    threshold: number
    participants: Array<{ account: Address; id: number; url: string }>
    resharedVotes: number
  }
  /** code-hash add/remove votes of the current round that have not passed yet */
  pendingCodeHashVotes: Array<{ codeHash: Hex; add: boolean; votes: number }>
}

export interface ContractsState {
  chainId: number
  blockNumber: number
  kms?: KmsState
  committee?: CommitteeState
}

const uniq = <T>(xs: T[]) => [...new Set(xs)]

async function stillTrue<T>(items: T[], check: (x: T) => Promise<boolean>): Promise<T[]> {
  const ok = await Promise.all(items.map(check))
  return items.filter((_, i) => ok[i])
}

/**
 * The registries keep mappings (no lists), so sets are rebuilt from their events since `fromBlock` and each
 * entry is re-checked against the current mapping (a removed entry drops out).
 */
export async function readKmsState(client: Client, address: Address, fromBlock: bigint): Promise<KmsState> {
  const kms = kmsRegistry(client, address)
  const logs = await readChain(
    client.getContractEvents({ address, abi: custosKmsAbi, fromBlock }),
    'reading the CustosKms events',
  )
  const args = (name: string) => logs.filter((l) => l.eventName === name).map((l) => l.args as Record<string, unknown>)
  const hashes = (name: string, key: string) => uniq(args(name).map((a) => a[key] as Hex))
  const [owner, pendingOwner, gatewayAppId, openAppRegistration, kmsAllowAnyDevice] = await readChain(
    Promise.all([
      kms.read.owner(),
      kms.read.pendingOwner(),
      kms.read.gatewayAppId(),
      kms.read.openAppRegistration(),
      kms.read.kmsAllowAnyDevice(),
    ]),
    'reading the CustosKms state',
  )
  const [osImages, kmsAggregatedMrs, kmsDevices, tcbStatuses, appIds] = await readChain(
    Promise.all([
      stillTrue(hashes('OsImageHashAdded', 'osImageHash'), (h) => kms.read.allowedOsImages([h])),
      stillTrue(hashes('KmsAggregatedMrAdded', 'mrAggregated'), (h) => kms.read.kmsAllowedAggregatedMrs([h])),
      stillTrue(hashes('KmsDeviceAdded', 'deviceId'), (h) => kms.read.kmsAllowedDeviceIds([h])),
      stillTrue(uniq(args('TcbStatusAdded').map((a) => a.tcbStatus as string)), (s) =>
        kms.read.isTcbStatusAllowed([s]),
      ),
      stillTrue(uniq(args('AppRegistered').map((a) => a.appId as Address)), (a) => kms.read.registeredApps([a])),
    ]),
    'reading the CustosKms allow-lists',
  )
  const apps = await Promise.all(appIds.map((a) => readAppState(client, a, fromBlock)))
  return {
    address,
    owner,
    pendingOwner,
    gatewayAppId,
    openAppRegistration,
    kmsAllowAnyDevice,
    osImages,
    kmsAggregatedMrs,
    kmsDevices,
    tcbStatuses,
    apps,
  }
}

export async function readAppState(client: Client, appId: Address, fromBlock: bigint): Promise<AppState> {
  const code = await readChain(client.getCode({ address: appId }), 'reading an app contract')
  if (!code || code === '0x') {
    return {
      appId,
      owner: '0x0000000000000000000000000000000000000000',
      allowAnyDevice: false,
      requireTcbUpToDate: false,
      composeHashes: [],
      devices: [],
    }
  }
  const app = appRegistry(client, appId)
  const logs = await readChain(
    client.getContractEvents({ address: appId, abi: custosAppAbi, fromBlock }),
    `reading the events of app ${appId}`,
  )
  const of = (name: string, key: string) =>
    uniq(logs.filter((l) => l.eventName === name).map((l) => (l.args as Record<string, Hex>)[key]!))
  const [owner, allowAnyDevice, requireTcbUpToDate, composeHashes, devices] = await readChain(
    Promise.all([
      app.read.owner(),
      app.read.allowAnyDevice(),
      app.read.requireTcbUpToDate(),
      stillTrue(of('ComposeHashAdded', 'composeHash'), (h) => app.read.allowedComposeHashes([h])),
      stillTrue(of('DeviceAdded', 'deviceId'), (h) => app.read.allowedDeviceIds([h])),
    ]),
    `reading app ${appId}`,
  )
  return { appId, owner, allowAnyDevice, requireTcbUpToDate, composeHashes, devices }
}

export async function readCommitteeState(client: Client, address: Address, fromBlock: bigint): Promise<CommitteeState> {
  const c = committeeContract(client, address)
  const logs = await readChain(
    client.getContractEvents({ address, abi: custosCommitteeAbi, fromBlock }),
    'reading the CustosCommittee events',
  )
  const args = (name: string) => logs.filter((l) => l.eventName === name).map((l) => l.args as Record<string, unknown>)
  const [state, epochId, nextEpochId, threshold, participants, prospective, pEpoch, pThreshold, pHash, domains] =
    await readChain(
      Promise.all([
        c.read.state(),
        c.read.epochId(),
        c.read.nextEpochId(),
        c.read.threshold(),
        c.read.participants(),
        c.read.prospectiveParticipants(),
        c.read.prospectiveEpochId(),
        c.read.prospectiveThreshold(),
        c.read.prospectiveProposalHash(),
        c.read.domains(),
      ]),
      'reading the CustosCommittee state',
    )
  const withAttestations = await readChain(
    Promise.all(
      participants.map(async (p) => {
        const [a, valid] = await Promise.all([
          c.read.attestationOf([p.account]),
          c.read.hasValidAttestation([p.account]),
        ])
        const out: ParticipantState = { account: p.account, id: p.id, url: p.url, signingPubkey: p.signingPubkey }
        if (a.submittedAt !== 0n) {
          out.attestation = {
            digest: a.digest,
            measurement: a.measurement,
            submittedAt: Number(a.submittedAt),
            epochId: Number(a.epochId),
            valid,
          }
        }
        return out
      }),
    ),
    'reading the committee participants',
  )
  const codeHashes = uniq(args('CodeHashAdded').map((a) => a.codeHash as Hex))
  const allowedCodeHashes = await readChain(
    stillTrue(codeHashes, (h) => c.read.allowedCodeHashes([h])),
    'reading the allowed code hashes',
  )
  const running = state === 0
  const proposalKeys = uniq(
    args('ParametersVoted')
      .filter((a) => running && a.prospectiveEpochId === nextEpochId)
      .map((a) => a.proposalHash as Hex),
  )
  const pendingProposals = (
    await readChain(
      Promise.all(
        proposalKeys.map(async (h) => ({
          prospectiveEpochId: Number(nextEpochId),
          proposalHash: h,
          votes: Number(await c.read.parametersVotes([nextEpochId, h])),
        })),
      ),
      'reading the parameter votes',
    )
  ).filter((p) => p.votes > 0)
  const voteKeys = uniq(args('CodeHashVoted').map((a) => `${a.codeHash as string}|${a.add ? 1 : 0}`))
  const pendingCodeHashVotes = (
    await readChain(
      Promise.all(
        voteKeys.map(async (k) => {
          const [h, add] = k.split('|') as [Hex, string]
          return { codeHash: h, add: add === '1', votes: Number(await c.read.codeHashVotes([h, add === '1'])) }
        }),
      ),
      'reading the code-hash votes',
    )
  ).filter((v) => v.votes > 0)
  const out: CommitteeState = {
    address,
    state: (['Running', 'Resharing', 'Initializing'] as const)[state] ?? 'Running',
    epochId: Number(epochId),
    nextEpochId: Number(nextEpochId),
    threshold,
    participants: withAttestations,
    domains: domains.map((d) => ({ id: d.id, scheme: d.scheme, purpose: d.purpose, publicKey: d.publicKey })),
    allowedCodeHashes,
    pendingProposals,
    pendingCodeHashVotes,
  }
  if (state === 1) {
    const reshared = args('ResharedVoted').filter((a) => a.prospectiveEpochId === pEpoch)
    out.resharing = {
      prospectiveEpochId: Number(pEpoch),
      proposalHash: pHash,
      threshold: pThreshold,
      participants: prospective.map((p) => ({ account: p.account, id: p.id, url: p.url })),
      resharedVotes: reshared.length === 0 ? 0 : Number(reshared[reshared.length - 1]!.votes),
    }
  }
  return out
}

export async function readContractsState(
  client: Client,
  addrs: { kms?: Address; committee?: Address },
  fromBlock = 0n,
): Promise<ContractsState> {
  const [chainId, block] = await readChain(
    Promise.all([client.getChainId(), client.getBlockNumber()]),
    'reading the chain',
  )
  const out: ContractsState = { chainId, blockNumber: Number(block) }
  if (addrs.kms) out.kms = await readKmsState(client, addrs.kms, fromBlock)
  if (addrs.committee) out.committee = await readCommitteeState(client, addrs.committee, fromBlock)
  return out
}
