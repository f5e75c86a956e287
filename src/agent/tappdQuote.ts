/**
 * The legacy Tappd quote methods (dstack guest-agent rpc_service.rs `InternalRpcHandlerV0::tdx_quote`,
 * dstack-attest `QuoteContentType::to_report_data_with_hash`). The quote itself is GetQuote's.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { keccak_256, keccak_384, keccak_512, sha3_256, sha3_384, sha3_512 } from '@noble/hashes/sha3.js'
import { concatBytes, utf8ToBytes } from '../crypto/index.js'
import { AgentError } from './errors.js'
import type { GuestContext } from './guestContext.js'
import { parseArgs, RawQuoteArgs, TdxQuoteArgs } from './guestInput.js'
import { pad64, quoteResponse } from './quote.js'

/** dstack `DEFAULT_HASH_ALGORITHM`, used when the request's hash_algorithm is empty. */
export const DEFAULT_TAPPD_HASH = 'sha512'
/** dstack `QuoteContentType::AppData` tag, the prefix when the request's is empty. */
export const DEFAULT_TAPPD_PREFIX = 'app-data'

const HASHES: Record<string, (data: Uint8Array) => Uint8Array> = {
  sha256,
  sha384,
  sha512,
  'sha3-256': sha3_256,
  'sha3-384': sha3_384,
  'sha3-512': sha3_512,
  keccak256: keccak_256,
  keccak384: keccak_384,
  keccak512: keccak_512,
}

export interface TdxQuoteReply {
  /** hex TDX quote */
  quote: string
  /** JSON event log, as GetQuote's */
  event_log: string
  /** the algorithm applied (the default filled in) */
  hash_algorithm: string
  /** the tag hashed before the data ('' for raw) */
  prefix: string
}

/**
 * The 64 report_data bytes Tappd quotes: `raw` takes exactly 64 bytes as they are (the SDK left-pads shorter
 * data itself); every other algorithm is hash(prefix ‖ ":" ‖ data) zero-padded on the right, prefix
 * defaulting to "app-data" and the algorithm to sha512.
 */
export function tappdReportData(
  data: Uint8Array,
  hashAlgorithm: string,
  prefix: string,
): { reportData: Uint8Array; hashAlgorithm: string; prefix: string } {
  const algorithm = hashAlgorithm === '' ? DEFAULT_TAPPD_HASH : hashAlgorithm
  if (algorithm === 'raw') {
    if (data.length > 64)
      throw new AgentError('AGENT_REPORT_DATA_TOO_LONG', `raw report_data must be 64 bytes, got ${data.length}`)
    if (data.length !== 64)
      throw new AgentError(
        'AGENT_BAD_INPUT',
        `raw report_data must be exactly 64 bytes, got ${data.length} (pad it, or use a hash algorithm)`,
      )
    return { reportData: data, hashAlgorithm: algorithm, prefix: '' }
  }
  const hash = Object.hasOwn(HASHES, algorithm) ? HASHES[algorithm] : undefined
  if (!hash)
    throw new AgentError(
      'AGENT_UNSUPPORTED_ALGORITHM',
      `unsupported hash_algorithm (use raw or one of ${Object.keys(HASHES).join(', ')})`,
    )
  const tag = prefix === '' ? DEFAULT_TAPPD_PREFIX : prefix
  return {
    reportData: pad64(hash(concatBytes(utf8ToBytes(tag), utf8ToBytes(':'), data))),
    hashAlgorithm: algorithm,
    prefix: tag,
  }
}

async function tdxQuote(ctx: GuestContext, data: Uint8Array, hashAlgorithm: string, prefix: string) {
  const r = tappdReportData(data, hashAlgorithm, prefix)
  const q = await quoteResponse(ctx, r.reportData)
  // A "TDX quote" API has nothing to answer with on other platforms (dstack would send an empty quote, which
  // an app would only discover when verifying): say so; those apps use /Attest.
  if (q.quote === '')
    throw new AgentError(
      'AGENT_BAD_INPUT',
      `the ${ctx.tee.driver} platform produces no TDX quote: use /Attest for its evidence`,
    )
  return { quote: q.quote, event_log: q.event_log, hash_algorithm: r.hashAlgorithm, prefix: r.prefix }
}

/** `/prpc/Tappd.TdxQuote {report_data, hash_algorithm, prefix}` → `{quote, event_log, hash_algorithm, prefix}`. */
export async function handleTdxQuote(ctx: GuestContext, input: unknown): Promise<TdxQuoteReply> {
  const a = parseArgs(TdxQuoteArgs, input)
  return tdxQuote(ctx, a.report_data, a.hash_algorithm, a.prefix)
}

/** `/prpc/Tappd.RawQuote {report_data}`: TdxQuote with `raw` (exactly 64 bytes). */
export async function handleRawQuote(ctx: GuestContext, input: unknown): Promise<TdxQuoteReply> {
  return tdxQuote(ctx, parseArgs(RawQuoteArgs, input).report_data, 'raw', '')
}
