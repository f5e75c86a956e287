/**
 * What a node needs from an EVM chain: the Custos contract ABIs and typed wrappers, reads and transaction
 * confirmation with typed errors, connecting to an RPC. Loads neither the local EVM (EDR) nor solc: the dev
 * tooling (local EVM, compiling, deploying, dev accounts, test kit) is `devchain/`, which the node runtime
 * never imports (test/layering.test.ts).
 */
export { custosAppAbi, custosCommitteeAbi, custosKmsAbi, custosMultisigAbi } from './abis.js'
export type { AppBootInfo, BootInfoFields } from './appBootInfo.js'
export { CHAIN_DENY_REASONS, toAppBootInfo } from './appBootInfo.js'
export { confirmTx, readChain, toChainError } from './chainErrors.js'
export type { ConnectChainOptions } from './connectChain.js'
export { assertDeployed, checkChainId, connectChain } from './connectChain.js'
export type { ContractClient } from './contracts.js'
export { appRegistry, committeeContract, kmsRegistry, multisigContract } from './contracts.js'
export type { ChainErrorCode } from './errors.js'
export { ChainError } from './errors.js'
export { localChain } from './localChain.js'
