/**
 * Dev tooling for the Custos contracts: a real EVM in this process (EDR), compiling `contracts/*.sol` with the
 * npm solc, deploying, the public Hardhat dev accounts, and an HTTP bridge for the local EVM. For `custos dev
 * --chain`, `custos contracts` and tests only: the node runtime never imports this folder (it would load the
 * native EVM and solc at start-up; test/layering.test.ts), the CLI loads it with `await import()`. EDR and solc
 * themselves are loaded on first use. The contract-test helpers are in test/support/chain.ts.
 */
export type {
  CompileOptions,
  CompileResult,
  ContractArtifact,
  ContractArtifacts,
  ContractName,
} from './compileContracts.js'
export { CONTRACT_NAMES, compileContracts, DEFAULT_CACHE_DIR, EVM_VERSION } from './compileContracts.js'
export type { CommitteeMemberInput, DeployedContracts, DeployParams, DeployWallet } from './deployContracts.js'
export { deployContract, deployContracts } from './deployContracts.js'
export { DEV_PRIVATE_KEYS } from './devAccounts.js'
export type { Eip1193Request, RpcErrorObject } from './edrProvider.js'
export type { LocalEvmHttp, LocalEvmHttpOptions } from './serveLocalEvmHttp.js'
export { serveLocalEvmHttp } from './serveLocalEvmHttp.js'
export type { LocalCustos, LocalCustosOptions } from './startLocalCustos.js'
export { startLocalCustos } from './startLocalCustos.js'
export type { LocalEvm, LocalEvmOptions, LocalPublicClient, LocalWalletClient } from './startLocalEvm.js'
export { OSAKA_TX_GAS_CAP, startLocalEvm } from './startLocalEvm.js'
