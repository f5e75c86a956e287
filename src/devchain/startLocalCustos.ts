import type { Address } from 'viem'
import { kmsRegistry } from '../chain/index.js'
import { type CompileOptions, type ContractArtifacts, compileContracts } from './compileContracts.js'
import { type DeployedContracts, type DeployParams, deployContracts } from './deployContracts.js'
import { type LocalEvm, type LocalEvmOptions, startLocalEvm } from './startLocalEvm.js'

export interface LocalCustosOptions extends LocalEvmOptions {
  deploy?: DeployParams
  compile?: CompileOptions
}

export interface LocalCustos {
  evm: LocalEvm
  artifacts: ContractArtifacts
  addresses: DeployedContracts
  /** CustosKms bound to the public client and wallet 0 (the deployer, owner unless `deploy.kmsOwner` says otherwise) */
  kms: ReturnType<typeof kmsRegistry<{ public: LocalEvm['publicClient']; wallet: LocalEvm['wallets'][number] }>>
  close(): Promise<void>
}

/** One call for tests and the devnet: compile (cached), start a local EVM, deploy from account 0. */
export async function startLocalCustos(opts: LocalCustosOptions = {}): Promise<LocalCustos> {
  const { artifacts } = await compileContracts(opts.compile)
  const evm = await startLocalEvm(opts)
  const wallet = evm.wallets[0]!
  const addresses = await deployContracts(wallet, artifacts, opts.deploy)
  const kms = kmsRegistry({ public: evm.publicClient, wallet }, addresses.kms as Address)
  return { evm, artifacts, addresses, kms, close: () => evm.close() }
}
