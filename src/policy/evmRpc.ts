import { type Chain, createPublicClient, http, type PublicClient, type Transport } from 'viem'
import { localChain } from '../chain/index.js'
import { PolicyError } from './errors.js'
import { redactUrl } from './webhookUrl.js'

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
  let u: URL
  try {
    u = new URL(rpcUrl)
  } catch {
    throw new PolicyError(
      'POLICY_BAD_CONFIG',
      'the evm policy RPC URL is not a valid URL: expected http(s)://host:port/',
    )
  }
  const redactedUrl = redactUrl(u)
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new PolicyError('POLICY_BAD_CONFIG', `the evm policy RPC URL ${redactedUrl} must use http:// or https://`)
  let authorization: string | undefined
  if (u.username !== '' || u.password !== '') {
    const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`
    authorization = `Basic ${Buffer.from(creds, 'utf8').toString('base64')}`
    u.username = ''
    u.password = ''
  }
  const client = createPublicClient({
    chain: localChain(chainId, redactedUrl),
    transport: http(u.toString(), {
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
