import { readFileSync } from 'node:fs'
import type { z } from 'zod'
import { describeZodError } from './staticPolicyConfig.js'

/** The largest auth API response read (a decision or info is a few hundred bytes). */
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown
    }
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/** `custos/<version>`, as dstack sends `dstack-kms/<version>`. */
export const WEBHOOK_USER_AGENT = `custos/${readVersion()}`

/** A failed auth API call; `message` is a short cause that never contains the URL, its secrets or the response body. */
export class WebhookFailure extends Error {
  override name = 'WebhookFailure'
}

export interface WebhookRequest {
  method: 'GET' | 'POST'
  body?: unknown
  authorization: string | undefined
  timeoutMs: number
}

/** A short, log-safe cause for a fetch/abort error (no remote text, no URL). */
export function describeFetchError(e: unknown, timeoutMs: number): string {
  if (e instanceof WebhookFailure) return e.message
  const err = e as { name?: string; code?: string; cause?: { code?: string; name?: string } }
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.cause?.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`
  const code = err?.cause?.code ?? err?.code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset'
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return `network error ${code}`
  return 'network error'
}

async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN)
  if (declared > max) throw new WebhookFailure(`response larger than ${max} bytes`)
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw new WebhookFailure(`response larger than ${max} bytes`)
    }
    chunks.push(value)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/**
 * One auth API call: JSON in, JSON out, validated with `schema`. Redirects are not followed. Throws
 * WebhookFailure (or a fetch error; pass it to `describeFetchError`) for anything but a 2xx JSON answer
 * that matches. The deadline covers connecting, headers and body.
 */
export async function callWebhook<S extends z.ZodTypeAny>(
  url: URL,
  req: WebhookRequest,
  schema: S,
): Promise<z.output<S>> {
  const headers: Record<string, string> = { 'user-agent': WEBHOOK_USER_AGENT, accept: 'application/json' }
  if (req.authorization) headers.authorization = req.authorization
  if (req.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method: req.method,
    headers,
    ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(req.timeoutMs),
  })
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => {})
    throw new WebhookFailure(`HTTP ${res.status}`)
  }
  const text = await readCapped(res, WEBHOOK_MAX_RESPONSE_BYTES)
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new WebhookFailure('response is not JSON')
  }
  const r = schema.safeParse(doc)
  if (!r.success) throw new WebhookFailure(`unexpected response: ${describeZodError(r.error)}`)
  return r.data
}
