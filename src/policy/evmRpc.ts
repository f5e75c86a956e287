import { type Chain, createPublicClient, http, type PublicClient, type Transport } from 'viem'
import { localChain } from '../chain/index.js'
import { parseServiceUrl } from '../net/index.js'
import { PolicyError } from './errors.js'

export const EVM_DEFAULT_TIMEOUT_MS = 5000

export interface EvmRpc {
  client: PublicClient<Transport, Chain>
  /** scheme://host[:port]/path only (no credentials, query or fragment): safe for logs and deny reasons */
  redactedUrl: string
}

/**
 * A viem public client for `[policy] evm_rpc_url`: no retries (a failure is a deny, the next request tries
 * again), a per-request timeout, `user:pass@` moved into a Basic `Authorization` header (fetch refuses URLs
 * with credentials). Makes no request; throws POLICY_BAD_CONFIG for a URL that is not http(s).
 */
export function createEvmRpc(rpcUrl: string, chainId: number, timeoutMs = EVM_DEFAULT_TIMEOUT_MS): EvmRpc {
  const {
    base,
    authorization,
    redacted: redactedUrl,
  } = parseServiceUrl(rpcUrl, {
    what: 'the evm policy RPC URL',
    protocols: ['http:', 'https:'],
    expected: 'http(s)://host:port/',
    fail: (message) => new PolicyError('POLICY_BAD_CONFIG', message),
  })
  const client = createPublicClient({
    chain: localChain(chainId, redactedUrl),
    transport: http(base.toString(), {
      retryCount: 0,
      timeout: timeoutMs,
      ...(authorization ? { fetchOptions: { headers: { authorization } } } : {}),
    }),
    // no client-side caching of eth_blockNumber: the policy decides how stale a block may be
    cacheTime: 0,
    pollingInterval: 250,
  }) as PublicClient<Transport, Chain>
  return { client, redactedUrl }
}
