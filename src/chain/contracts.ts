import { type Address, type Client, type GetContractReturnType, getContract } from 'viem'
import { custosAppAbi, custosCommitteeAbi, custosKmsAbi, custosMultisigAbi } from './abis.js'

/** What getContract accepts: one client, or `{ public, wallet }` for reads + writes. */
export type ContractClient = Client | { public: Client; wallet?: Client } | { public?: Client; wallet: Client }

/** Typed CustosKms handle: `.read.isAppAllowed([bootInfo])`, `.write.addOsImageHash([h])`, `.getEvents.…`. */
export function kmsRegistry<const C extends ContractClient>(client: C, address: Address) {
  return getContract({ abi: custosKmsAbi, address, client }) as GetContractReturnType<typeof custosKmsAbi, C, Address>
}

/** Typed CustosApp handle (one contract per app; its address is the app id). */
export function appRegistry<const C extends ContractClient>(client: C, address: Address) {
  return getContract({ abi: custosAppAbi, address, client }) as GetContractReturnType<typeof custosAppAbi, C, Address>
}

/** Typed CustosCommittee handle. */
export function committeeContract<const C extends ContractClient>(client: C, address: Address) {
  return getContract({ abi: custosCommitteeAbi, address, client }) as GetContractReturnType<
    typeof custosCommitteeAbi,
    C,
    Address
  >
}

/** Typed CustosMultisig handle. */
export function multisigContract<const C extends ContractClient>(client: C, address: Address) {
  return getContract({ abi: custosMultisigAbi, address, client }) as GetContractReturnType<
    typeof custosMultisigAbi,
    C,
    Address
  >
}
