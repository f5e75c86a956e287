import type { Collateral } from '../../attestation/index.js'
import { toHex } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import { parseServiceUrl } from '../serviceUrl.js'
import { type CachedItem, CollateralCache } from './collateralCache.js'
import { type CollateralTarget, collateralTargetOf, type PccsTee, type PckCa } from './collateralTarget.js'
import { PccsError } from './errors.js'
import { crlDer, crlNextUpdate, issuerChainHeader, parseSignedPcsJson } from './pcsResponse.js'

export const INTEL_PCS_URL = 'https://api.trustedservices.intel.com'
/** CRL distribution point of the Intel SGX Root CA (used when the server has no `/rootcacrl`, e.g. Intel PCS). */
export const INTEL_ROOT_CA_CRL_URL = 'https://certificates.trustedservices.intel.com/IntelSGXRootCA.der'

export interface PccsClientOptions {
  /** PCCS or Intel PCS base URL (`[attestation] pccs_url`); a trailing `/sgx/certification/v4` is ignored */
  url?: string
  /** on-disk cache (`[attestation] collateral_cache_dir`); memory only when absent */
  cacheDir?: string
  /** never touch the network: cached collateral only (`[attestation] offline`) */
  offline?: boolean
  /** unix seconds; default the system clock */
  now?: () => number
  /** refetch an item this many seconds before its nextUpdate (online only); default 0 */
  refreshMarginSeconds?: number
  /** per request; default 10 000 ms */
  timeoutMs?: number
  /** root CA CRL fallback when `<url>/sgx/certification/v4/rootcacrl` fails; default Intel's CRL DP */
  rootCaCrlUrl?: string
  logger?: Logger
}

export interface PccsClient {
  /** Collateral for (tee, FMSPC, CA) in the shape `parseCollateral` accepts. Same object while nothing changed. */
  getCollateral(target: CollateralTarget): Promise<Collateral>
  /** Collateral for a DCAP quote (FMSPC and CA read from its PCK leaf). */
  collateralForQuote(quote: Uint8Array): Promise<Collateral>
}

type Kind = 'pckcrl' | 'tcb' | 'qe' | 'rootcacrl'
const WHAT: Record<Kind, string> = { pckcrl: 'PCK CRL', tcb: 'TCB info', qe: 'QE identity', rootcacrl: 'root CA CRL' }
const CHAIN_HEADERS: Record<Kind, string[]> = {
  pckcrl: ['SGX-PCK-CRL-Issuer-Chain'],
  tcb: ['TCB-Info-Issuer-Chain', 'SGX-TCB-Info-Issuer-Chain'],
  qe: ['SGX-Enclave-Identity-Issuer-Chain', 'Enclave-Identity-Issuer-Chain'],
  rootcacrl: [],
}

/**
 * Intel PCS v4 API client (attestation.md §2 "Collateral endpoints") with a per-item cache: each response is
 * kept (raw body, URL-decoded issuer chain, fetch time) until its own nextUpdate (TCB info / QE identity JSON
 * `nextUpdate`, CRL nextUpdate). Cache keys: `pckcrl-<ca>`, `tcb-<tee>-<FMSPC>`, `qe-<tee>`, `rootcacrl`.
 * Nothing is trusted here: `prepareCollateral` checks every signature, chain and validity window.
 */
export function createPccsClient(opts: PccsClientOptions = {}): PccsClient {
  const base = normaliseBase(opts.url ?? INTEL_PCS_URL)
  const cache = new CollateralCache(opts.cacheDir)
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000))
  const margin = opts.refreshMarginSeconds ?? 0
  const log = opts.logger ?? nullLogger
  const inflight = new Map<string, Promise<CachedItem>>()
  const bundles = new Map<string, { parts: CachedItem[]; collateral: Collateral }>()

  const fetchItem = async (kind: Kind, key: string, url: string): Promise<CachedItem> => {
    let res = await get(url, kind, opts.timeoutMs)
    if (kind === 'rootcacrl' && !res.ok && opts.rootCaCrlUrl !== '') {
      log.debug({ status: res.status }, 'PCCS has no root CA CRL endpoint; using the root CA CRL distribution point')
      url = opts.rootCaCrlUrl ?? INTEL_ROOT_CA_CRL_URL
      res = await get(url, kind, opts.timeoutMs)
    }
    if (!res.ok)
      throw new PccsError('PCCS_HTTP_STATUS', `PCCS answered ${res.status} for the ${WHAT[kind]} (${url})`, {
        what: kind,
        status: res.status,
      })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const issuerChain = kind === 'rootcacrl' ? '' : issuerChainHeader(res.headers, CHAIN_HEADERS[kind], WHAT[kind])
    let body: Uint8Array = bytes
    let nextUpdate: number
    if (kind === 'tcb' || kind === 'qe') {
      const member = kind === 'tcb' ? 'tcbInfo' : 'enclaveIdentity'
      nextUpdate = parseSignedPcsJson(Buffer.from(bytes).toString('utf8'), member, WHAT[kind]).nextUpdate
    } else {
      body = crlDer(bytes, WHAT[kind])
      nextUpdate = crlNextUpdate(body, WHAT[kind])
    }
    const item: CachedItem = {
      key,
      url,
      fetchedAt: now(),
      nextUpdate,
      issuerChain,
      body: Buffer.from(body).toString('base64'),
    }
    cache.put(item)
    log.info({ item: key, nextUpdate }, 'fetched DCAP collateral')
    return item
  }

  const item = async (kind: Kind, key: string, url: string): Promise<CachedItem> => {
    const t = now()
    const cached = cache.get(key)
    if (opts.offline) {
      if (!cached)
        throw new PccsError(
          'PCCS_OFFLINE_MISSING',
          `offline mode: no cached ${WHAT[kind]} (${key}); run once online or copy a collateral cache here`,
          { what: key },
        )
      if (t > cached.nextUpdate)
        throw new PccsError(
          'PCCS_COLLATERAL_EXPIRED',
          `offline mode: the cached ${WHAT[kind]} (${key}) expired at ${new Date(cached.nextUpdate * 1000).toISOString()}; refresh the cache online`,
          { what: key, nextUpdate: cached.nextUpdate },
        )
      return cached
    }
    if (cached && t < cached.nextUpdate - margin) return cached
    let p = inflight.get(key)
    if (!p) {
      p = fetchItem(kind, key, url).finally(() => inflight.delete(key))
      inflight.set(key, p)
    }
    return p
  }

  const getCollateral = async ({ tee, fmspc, ca }: CollateralTarget): Promise<Collateral> => {
    checkTarget(tee, fmspc, ca)
    const parts = await Promise.all([
      item('pckcrl', `pckcrl-${ca}`, `${base}/sgx/certification/v4/pckcrl?ca=${ca}&encoding=der`),
      item('tcb', `tcb-${tee}-${fmspc}`, `${base}/${tee}/certification/v4/tcb?fmspc=${fmspc}`),
      item('qe', `qe-${tee}`, `${base}/${tee}/certification/v4/qe/identity?update=standard`),
      item('rootcacrl', 'rootcacrl', `${base}/sgx/certification/v4/rootcacrl`),
    ])
    const bundleKey = `${tee}-${fmspc}-${ca}`
    const hit = bundles.get(bundleKey)
    if (hit?.parts.every((p, i) => p === parts[i])) return hit.collateral
    const collateral = assemble(parts as [CachedItem, CachedItem, CachedItem, CachedItem])
    bundles.set(bundleKey, { parts, collateral })
    return collateral
  }

  return {
    getCollateral,
    collateralForQuote: (quote) => getCollateral(collateralTargetOf(quote)),
  }
}

/** The `collateralProvider` that `createDcapVerifier` takes, backed by a PCCS client (or its options). */
export function collateralProviderFor(
  client: PccsClient | PccsClientOptions,
): (quote: Uint8Array) => Promise<Collateral> {
  const c = 'collateralForQuote' in client ? client : createPccsClient(client)
  return (quote) => c.collateralForQuote(quote)
}

function assemble([pck, tcb, qe, root]: [CachedItem, CachedItem, CachedItem, CachedItem]): Collateral {
  const text = (i: CachedItem) => Buffer.from(i.body, 'base64').toString('utf8')
  const hex = (i: CachedItem) => toHex(new Uint8Array(Buffer.from(i.body, 'base64')))
  const t = parseSignedPcsJson(text(tcb), 'tcbInfo', WHAT.tcb)
  const q = parseSignedPcsJson(text(qe), 'enclaveIdentity', WHAT.qe)
  return {
    pck_crl_issuer_chain: pck.issuerChain,
    root_ca_crl: hex(root),
    pck_crl: hex(pck),
    tcb_info_issuer_chain: tcb.issuerChain,
    tcb_info: t.raw,
    tcb_info_signature: t.signature.toLowerCase(),
    qe_identity_issuer_chain: qe.issuerChain,
    qe_identity: q.raw,
    qe_identity_signature: q.signature.toLowerCase(),
  }
}

async function get(url: string, kind: Kind, timeoutMs = 10_000): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  } catch (e) {
    throw new PccsError(
      'PCCS_UNREACHABLE',
      `cannot fetch the ${WHAT[kind]} from ${new URL(url).origin}: ${(e as Error)?.name === 'TimeoutError' ? 'timed out' : 'connection failed'}; check [attestation] pccs_url or use offline mode with a cache`,
      { what: kind },
      { cause: e },
    )
  }
}

function normaliseBase(url: string): string {
  const { url: u } = parseServiceUrl(url, {
    what: 'the PCCS URL',
    protocols: ['https:', 'http:'],
    expected: 'https://pccs.example:8081',
    fail: (message) => new PccsError('PCCS_INVALID_CONFIG', message),
  })
  return u.href.replace(/\/+$/, '').replace(/\/(sgx|tdx)\/certification\/v4$/, '')
}

function checkTarget(tee: PccsTee, fmspc: string, ca: PckCa): void {
  if ((tee !== 'sgx' && tee !== 'tdx') || !/^[0-9A-F]{12}$/.test(fmspc) || (ca !== 'processor' && ca !== 'platform'))
    throw new PccsError('PCCS_UNSUPPORTED_QUOTE', `invalid collateral target ${tee}/${fmspc}/${ca}`)
}
