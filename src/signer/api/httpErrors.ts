import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import { CustosError } from '../../errors.js'
import type { Logger } from '../../log.js'
import { SignerServiceError } from '../service/index.js'

/**
 * The one place that turns a thrown value into an HTTP answer. CustosErrors answer with their status and short
 * message (our own text, never request values); anything else is logged and answers a bare 500.
 */
export function errorStatus(err: unknown): { status: ContentfulStatusCode; message: string; code: string } {
  if (err instanceof CustosError) {
    // The fork name is client text: do not reflect it.
    const message = err.code === 'SIGNER_UNSUPPORTED_FORK' ? 'unsupported fork version' : err.shortMessage
    return { status: err.status as ContentfulStatusCode, message, code: err.code }
  }
  return { status: 500, message: 'internal error', code: 'INTERNAL' }
}

export function logIfUnexpected(log: Logger, err: unknown, route: string): void {
  if (!(err instanceof CustosError) || err.status >= 500) {
    log.error({ route, reason: err instanceof Error ? err.name : typeof err }, 'signer request failed')
  }
}

/** `{ message }` as JSON, or the message as text/plain. */
export function errorResponse(c: Context, err: unknown, json: boolean): Response {
  const { status, message } = errorStatus(err)
  return json ? c.json({ message }, status) : c.text(message, status)
}

/** First zod issue as a 400 with its field path (no values). */
export function badRequestFromZod(error: ZodError): SignerServiceError {
  const issue = error.issues[0]
  const path = issue ? issue.path.join('.') : ''
  return new SignerServiceError('SIGNER_BAD_REQUEST', `${path || 'body'}: ${issue?.message ?? 'invalid request'}`, {
    path,
  })
}

/** Read the body as JSON; SIGNER_BAD_REQUEST when it is not. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new SignerServiceError('SIGNER_BAD_REQUEST', 'request body is not valid JSON')
  }
}

/** Accept negotiation as Web3Signer does it: JSON when any value is application/json (or *\/* if `star`). */
export function acceptsJson(accept: string | undefined, star: boolean): boolean {
  if (!accept) return false
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]?.trim().toLowerCase()
    return type === 'application/json' || (star && type === '*/*')
  })
}
