import { type Chain, defineChain } from 'viem'

/** A viem chain for a local EVM id (rpc URL is a placeholder; the clients use the in-process transport). */
export function localChain(chainId: number, rpcUrl = 'http://127.0.0.1:8545'): Chain {
  return defineChain({
    id: chainId,
    name: `custos-local-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
}
