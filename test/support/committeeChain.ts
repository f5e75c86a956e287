/**
 * The CustosCommittee contract on an in-process EVM served as JSON-RPC over loopback HTTP: the evm committee
 * source's tests (src/node/evmCommitteeSource.test.ts, test/integration/mpcCommitteeEvm.test.ts).
 */
import type { Address, Hex } from 'viem'
import { committeeContract, confirmTx } from '../../src/chain/index.js'
import {
  type CommitteeMemberInput,
  deployContract,
  type LocalCustos,
  type LocalEvmHttp,
  serveLocalEvmHttp,
} from '../../src/devchain/index.js'

/** The committee contract at `address` as dev account `account` of `lc` calls it. */
const committeeAs = (lc: LocalCustos, address: Address, account: number) =>
  committeeContract({ public: lc.evm.publicClient, wallet: lc.evm.wallets[account]! }, address)

export interface CommitteeChain {
  lc: LocalCustos
  rpc: LocalEvmHttp
  /** the CustosCommittee contract */
  address: Address
  /** the contract as dev account `account` calls it */
  as(account: number): ReturnType<typeof committeeAs>
  /** send, then wait for the receipt */
  send(p: Promise<Hex>): ReturnType<typeof confirmTx>
}

/**
 * Serves `lc`'s EVM on loopback and deploys CustosCommittee(members, threshold, no domains) from dev account 0.
 * On a failed deployment the server is closed again (`lc` stays the caller's).
 */
export async function deployCommitteeChain(
  lc: LocalCustos,
  members: CommitteeMemberInput[],
  threshold: number,
  /** an RPC server already listening (start it before other ports are probed, so no probed port is handed to it) */
  served?: Awaited<ReturnType<typeof serveLocalEvmHttp>>,
): Promise<CommitteeChain> {
  const rpc = served ?? (await serveLocalEvmHttp(lc.evm))
  try {
    const address = await deployContract(lc.evm.wallets[0]!, lc.artifacts.CustosCommittee, [members, threshold, []])
    return {
      lc,
      rpc,
      address,
      as: (account) => committeeAs(lc, address, account),
      send: (p) => confirmTx(lc.evm.publicClient, p),
    }
  } catch (e) {
    await rpc.close()
    throw e
  }
}

/** Closes the JSON-RPC server, then the EVM (either may be missing after a failed start). */
export async function closeCommitteeChain(chain: CommitteeChain | undefined, lc: LocalCustos | undefined) {
  await chain?.rpc.close()
  await lc?.close()
}
