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
/** External `Worker.GetAttestationForAppKey {algorithm}`. */
export const GetAttestationForAppKeyArgs = z.object({ algorithm: str })
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
/** Legacy Tappd `DeriveKeyArgs`: a key derived from the app key over `path`, certified like GetTlsKey. */
export const DeriveKeyArgs = z.object({
  path: str,
  subject: str,
  alt_names: strings,
  usage_ra_tls: bool,
  usage_server_auth: bool,
  usage_client_auth: bool,
  random_seed: bool,
})
/** Legacy Tappd `TdxQuoteArgs`: report_data is hashed as hash(prefix ‖ ":" ‖ data) unless hash_algorithm is raw. */
export const TdxQuoteArgs = z.object({
  report_data: hexBytes.default(''),
  hash_algorithm: z.string().max(64).default(''),
  prefix: str,
})
/** dstack `EmitEventArgs {event, payload}`; the name is what the event log shows, so keep it printable. */
export const EmitEventArgs = z.object({
  event: z
    .string()
    .min(1, 'event name cannot be empty')
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'event name must be printable ASCII without spaces'),
  payload: hexBytes.default(''),
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
 * The query string as URLSearchParams, refusing what those would decode lossily: `%ff` (invalid UTF-8) or an
 * encoded surrogate would otherwise become U+FFFD and collide with a real U+FFFD (`%EF%BF%BD`).
 */
export function strictSearchParams(search: string): URLSearchParams {
  const raw = search.startsWith('?') ? search.slice(1) : search
  for (const part of raw.split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '))
    } catch {
      throw new AgentError(
        'AGENT_BAD_INPUT',
        'query string is not valid percent-encoded UTF-8 (invalid bytes are refused, not replaced)',
      )
    }
  }
  return new URLSearchParams(raw)
}

/** A high surrogate without a low one after it, or a low one without a high one before it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Refuses strings with lone UTF-16 surrogates anywhere in a parsed JSON value (`"\ud800"` escapes): they
 * would be encoded as U+FFFD and so collide with other inputs (a GetKey path names a key).
 */
export function assertWellFormedJson(value: unknown): void {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v))
        throw new AgentError(
          'AGENT_BAD_INPUT',
          'request contains a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair): strings must be valid Unicode',
        )
    } else if (Array.isArray(v)) for (const x of v) stack.push(x)
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) {
        stack.push(k)
        stack.push(x)
      }
  }
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
