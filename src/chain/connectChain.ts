import { type Address, type Chain, createPublicClient, http, isAddress, type PublicClient, type Transport } from 'viem'
import { ChainError } from './errors.js'
import { localChain } from './localChain.js'

export interface ConnectChainOptions {
  rpcUrl: string
  /** the chain id the configuration expects; a mismatch is CHAIN_WRONG_CHAIN_ID */
  chainId: number
  /** per-request timeout; default 5000 ms */
  timeoutMs?: number
}

/** Connect to a JSON-RPC endpoint and prove it is the expected chain (one `eth_chainId` round trip). */
export async function connectChain(opts: ConnectChainOptions): Promise<PublicClient<Transport, Chain>> {
  const chain = localChain(opts.chainId, opts.rpcUrl)
  const client = createPublicClient({
    chain,
    transport: http(opts.rpcUrl, { retryCount: 0, timeout: opts.timeoutMs ?? 5000 }),
    pollingInterval: 250,
  }) as PublicClient<Transport, Chain>
  await checkChainId(client, opts.chainId, opts.rpcUrl)
  return client
}

/** Throw CHAIN_RPC_UNREACHABLE if the endpoint does not answer, CHAIN_WRONG_CHAIN_ID if its id differs. */
export async function checkChainId(
  client: Pick<PublicClient, 'getChainId'>,
  expected: number,
  rpcUrl = 'the RPC endpoint',
): Promise<void> {
  let actual: number
  try {
    actual = await client.getChainId()
  } catch (e) {
    throw new ChainError(
      'CHAIN_RPC_UNREACHABLE',
      `${rpcUrl} did not answer eth_chainId; check the URL and that the node is running`,
      { rpcUrl },
      { cause: e },
    )
  }
  if (actual !== expected) {
    throw new ChainError(
      'CHAIN_WRONG_CHAIN_ID',
      `${rpcUrl} is chain ${actual}, the configuration expects chain ${expected}; fix the RPC URL or the chain id`,
      { expected, actual, rpcUrl },
    )
  }
}

/** Throw CHAIN_NOT_DEPLOYED when there is no code at `address` (wrong address, wrong chain, not deployed). */
export async function assertDeployed(
  client: Pick<PublicClient, 'getCode'>,
  address: string,
  what = 'contract',
): Promise<void> {
  if (!isAddress(address, { strict: false })) {
    throw new ChainError('CHAIN_BAD_INPUT', `${what} address ${address} is not a 20-byte hex address`)
  }
  let code: string | undefined
  try {
    code = await client.getCode({ address: address as Address })
  } catch (e) {
    throw new ChainError('CHAIN_RPC_UNREACHABLE', `could not read the code of ${what} at ${address}`, {}, { cause: e })
  }
  if (!code || code === '0x') {
    throw new ChainError(
      'CHAIN_NOT_DEPLOYED',
      `no ${what} is deployed at ${address} on this chain; check the address and the chain id`,
      { address },
    )
  }
}
