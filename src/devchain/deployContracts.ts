import type { Account, Address, Chain, Hex, Transport, WalletClient } from 'viem'
import { getAddress, publicActions } from 'viem'
import { ChainError, toChainError } from '../chain/index.js'
import type { ContractArtifact, ContractArtifacts } from './compileContracts.js'

export type DeployWallet = WalletClient<Transport, Chain, Account>

export interface CommitteeMemberInput {
  account: Address
  /** the node's signing public key (any encoding the node layer chooses; stored as bytes) */
  signingPubkey: Hex
  /** TLS / endpoint URL */
  url: string
}

export interface DeployParams {
  /** KMS registry owner; default the multisig when one is deployed, else the deploying account */
  kmsOwner?: Address
  /** deploy a CustosMultisig (k-of-n owner) */
  multisig?: { owners: readonly Address[]; threshold: number }
  /** deploy a CustosCommittee (epoch 0) */
  committee?: { participants: readonly CommitteeMemberInput[]; threshold: number; codeHashes?: readonly Hex[] }
}

export interface DeployedContracts {
  kms: Address
  multisig?: Address
  committee?: Address
}

/** Deploy one compiled contract and wait for it; returns its address. Reverts become CHAIN_REVERTED. */
export async function deployContract(
  wallet: DeployWallet,
  artifact: ContractArtifact,
  args: readonly unknown[],
  what = 'the contract deployment',
): Promise<Address> {
  const client = wallet.extend(publicActions)
  try {
    const hash = await client.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new ChainError('CHAIN_REVERTED', `${what} reverted`, { txHash: hash })
    }
    return getAddress(receipt.contractAddress)
  } catch (e) {
    throw toChainError(e, what, artifact.abi)
  }
}

/**
 * Deploy the Custos contracts from `wallet`: optionally a CustosMultisig, the CustosKms registry (owned by
 * `kmsOwner`, else the multisig, else the deployer) and optionally a CustosCommittee.
 */
export async function deployContracts(
  wallet: DeployWallet,
  artifacts: ContractArtifacts,
  params: DeployParams = {},
): Promise<DeployedContracts> {
  const out: Partial<DeployedContracts> = {}
  if (params.multisig) {
    out.multisig = await deployContract(
      wallet,
      artifacts.CustosMultisig,
      [params.multisig.owners, BigInt(params.multisig.threshold)],
      'the CustosMultisig deployment',
    )
  }
  const kmsOwner = params.kmsOwner ?? out.multisig ?? wallet.account.address
  out.kms = await deployContract(wallet, artifacts.CustosKms, [kmsOwner], 'the CustosKms deployment')
  if (params.committee) {
    const c = params.committee
    out.committee = await deployContract(
      wallet,
      artifacts.CustosCommittee,
      [c.participants.map((p) => ({ ...p })), c.threshold, c.codeHashes ?? []],
      'the CustosCommittee deployment',
    )
  }
  return out as DeployedContracts
}
