export { custosAppAbi, custosCommitteeAbi, custosKmsAbi, custosMultisigAbi } from './abis.js'
export type { AppBootInfo, BootInfoFields } from './appBootInfo.js'
export { CHAIN_DENY_REASONS, toAppBootInfo } from './appBootInfo.js'
export { confirmTx, readChain, toChainError } from './chainErrors.js'
export type {
  CompileOptions,
  CompileResult,
  ContractArtifact,
  ContractArtifacts,
  ContractName,
} from './compileContracts.js'
export { CONTRACT_NAMES, compileContracts, DEFAULT_CACHE_DIR, EVM_VERSION } from './compileContracts.js'
export type { ConnectChainOptions } from './connectChain.js'
export { assertDeployed, checkChainId, connectChain } from './connectChain.js'
export type { ContractClient } from './contracts.js'
export { appRegistry, committeeContract, kmsRegistry, multisigContract } from './contracts.js'
export type { CommitteeMemberInput, DeployedContracts, DeployParams, DeployWallet } from './deployContracts.js'
export { deployContract, deployContracts } from './deployContracts.js'
export { DEV_PRIVATE_KEYS } from './devAccounts.js'
export type { Eip1193Request, RpcErrorObject } from './edrProvider.js'
export type { ChainErrorCode } from './errors.js'
export { ChainError } from './errors.js'
export type { LocalEvmHttp, LocalEvmHttpOptions } from './serveLocalEvmHttp.js'
export { serveLocalEvmHttp } from './serveLocalEvmHttp.js'
export type { LocalCustos, LocalCustosOptions } from './startLocalCustos.js'
export { startLocalCustos } from './startLocalCustos.js'
export type { LocalEvm, LocalEvmOptions, LocalPublicClient, LocalWalletClient } from './startLocalEvm.js'
export { localChain, OSAKA_TX_GAS_CAP, startLocalEvm } from './startLocalEvm.js'
