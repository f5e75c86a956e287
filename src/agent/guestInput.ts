/**
 * Guest API inputs (dstack `agent_rpc.proto` messages, prpc JSON mapping): every field optional with its
 * proto default, bytes as hex (optional `0x`). GET requests carry the same fields in the query string.
 */
import { z } from 'zod'
import { fromHex } from '../crypto/index.js'
import { AgentError } from './errors.js'

const hexBytes = z
  .string()
  .regex(/^(0x|0X)?([0-9a-fA-F]{2})*$/, 'must be hex')
  .transform((s) => fromHex(s))
const str = z.string().max(4096).default('')
/** proto bool; GET query values arrive as strings */
const bool = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' || v === '' ? false : v),
  z.boolean().default(false),
)
/** optional uint64 (JSON number; null = absent) */
const optU64 = z.preprocess(
  (v) => (v === null || v === '' ? undefined : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
)
const strings = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z.array(z.string().max(1024)).max(64).default([]),
)

export const GetKeyArgs = z.object({ path: str, purpose: str, algorithm: str })
export const RawQuoteArgs = z.object({ report_data: hexBytes.default('') })
export const GetTlsKeyArgs = z.object({
  subject: str,
  alt_names: strings,
  usage_ra_tls: bool,
  usage_server_auth: bool,
  usage_client_auth: bool,
  not_before: optU64,
  not_after: optU64,
  with_app_info: bool,
})
export const SignArgs = z.object({ algorithm: str, data: hexBytes.default('') })
export const VerifyArgs = z.object({
  algorithm: str,
  data: hexBytes.default(''),
  signature: hexBytes.default(''),
  public_key: hexBytes.default(''),
})

/** Parses with `schema`; a failure names the fields, never the received values. */
export function parseArgs<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input ?? {})
  if (r.success) return r.data
  const what = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ')
  throw new AgentError('AGENT_BAD_INPUT', `invalid request: ${what}`)
}

/**
 * Query string → object as serde_qs reads it: `a=1`, repeated `a=1&a=2` or `a[]=1` / `a[0]=1` → arrays.
 * (Fields that are lists are also accepted as a single value by the schemas.)
 */
export function queryToObject(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [rawKey, value] of params.entries()) {
    const m = /^([^[\]]+)\[(\d*)\]$/.exec(rawKey)
    const key = m ? (m[1] as string) : rawKey
    if (key === 'json' || key === '__proto__') continue
    const prev = out[key]
    if (m) out[key] = Array.isArray(prev) ? [...prev, value] : prev === undefined ? [value] : [prev, value]
    else if (prev === undefined) out[key] = value
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return out
}
