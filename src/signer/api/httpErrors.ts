import { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import type { ContentfulStatusCode, UnofficialStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import { CustosError, httpErrorOf } from '../../errors.js'
import type { Logger } from '../../log.js'
import { SignerServiceError } from '../service/index.js'

/**
 * A thrown value as the signer APIs answer it: `httpErrorOf` (the node's one mapping), except that the fork name of
 * SIGNER_UNSUPPORTED_FORK is client text and is not reflected.
 */
export function errorStatus(err: unknown): {
  status: ContentfulStatusCode
  message: string
  code: string
  errorId?: string
} {
  const e = httpErrorOf(err)
  const message = e.code === 'SIGNER_UNSUPPORTED_FORK' ? 'unsupported fork version' : e.message
  return { ...e, status: e.status as ContentfulStatusCode, message }
}

/** Unexpected failures and 5xx refusals are logged as errors (with the error id of an unexpected one). */
export function logIfUnexpected(log: Logger, err: unknown, route: string, errorId?: string): void {
  if (!(err instanceof CustosError) || err.status >= 500) {
    const reason = err instanceof Error ? err.name : typeof err
    log.error({ route, reason, ...(errorId ? { errorId } : {}) }, 'signer request failed')
  }
}

/**
 * `{ message }` as JSON, or the message as text/plain (the Web3Signer and keymanager APIs' error bodies; an
 * unexpected failure answers `internal error`, its id only in the log).
 */
function errorResponse(c: Context, answer: ReturnType<typeof errorStatus>, json: boolean): Response {
  return json ? c.json({ message: answer.message }, answer.status) : c.text(answer.message, answer.status)
}

/**
 * Unknown paths (and methods): a JSON 404 like every other answer of the signer APIs. It carries `error` (the
 * KMS's error key) and `message` (the Web3Signer / Keymanager API error key), so either kind of client reads it.
 */
export function notFoundResponse(c: Context): Response {
  return c.json({ error: 'not found', message: 'no such endpoint' }, 404)
}

/** Status of a request whose client went away before its body arrived (nginx's convention, as the KMS uses). */
export const CLIENT_CLOSED_REQUEST = 499

const nodeRequest = (c: Context): IncomingMessage | undefined => {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming
  return incoming instanceof IncomingMessage ? incoming : undefined
}

/**
 * The client closed the connection mid-request: the body read said so, or an unexpected failure happened on a
 * request whose stream was aborted (a consequence of the abort, not a server fault).
 */
function clientClosed(c: Context, err: unknown): boolean {
  if (err instanceof CustosError) return err.code === 'SIGNER_CLIENT_CLOSED'
  return nodeRequest(c)?.readableAborted === true
}

/**
 * The apps' `onError`: a client that went away is answered 499 without a body (nobody reads it; metrics count it
 * as 499) and logged at debug; anything else goes through `logIfUnexpected` and `errorResponse`.
 */
export function answerError(c: Context, err: unknown, log: Logger, json: boolean): Response {
  if (clientClosed(c, err)) {
    log.debug({ route: c.req.path }, 'client closed the connection before its request body arrived')
    return c.body(null, CLIENT_CLOSED_REQUEST as UnofficialStatusCode)
  }
  const answer = errorStatus(err)
  logIfUnexpected(log, err, c.req.path, answer.errorId)
  return errorResponse(c, answer, json)
}

/** First zod issue as a 400 with its field path (no values). */
export function badRequestFromZod(error: ZodError): SignerServiceError {
  const issue = error.issues[0]
  const path = issue ? issue.path.join('.') : ''
  return new SignerServiceError('SIGNER_BAD_REQUEST', `${path || 'body'}: ${issue?.message ?? 'invalid request'}`, {
    path,
  })
}

/**
 * Read the request body (at most `maxBytes`, else SIGNER_BODY_TOO_LARGE 413) and parse it as JSON
 * (SIGNER_BAD_REQUEST 400 when it is not). Under @hono/node-server the body is read straight from the Node
 * request stream: going through `c.req` would build a WHATWG Request with an AbortSignal for every call, which
 * costs CPU and, worse, survives young-generation GCs (its signal is weakly referenced), so at a few hundred
 * signatures per second it turns into long scavenge pauses. Other runtimes (`app.request` in tests) use `c.req`.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const incoming = nodeRequest(c)
  const text = incoming ? await readIncoming(incoming, maxBytes) : await readWebBody(c, maxBytes)
  try {
    return JSON.parse(text)
  } catch {
    throw new SignerServiceError('SIGNER_BAD_REQUEST', 'request body is not valid JSON')
  }
}

const tooLarge = (max: number) =>
  new SignerServiceError('SIGNER_BODY_TOO_LARGE', `request body is larger than ${max} bytes`)
const closedByClient = () =>
  new SignerServiceError('SIGNER_CLIENT_CLOSED', 'the client closed the connection before its request body arrived')
const unreadable = () => new SignerServiceError('SIGNER_BAD_REQUEST', 'the request body could not be read')

function readIncoming(req: IncomingMessage, max: number): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > max) {
    req.resume() // discard, so the connection can carry the answer
    return Promise.reject(tooLarge(max))
  }
  // Gone before anyone listened (its 'aborted' event has fired already): nothing more will come.
  if (req.readableAborted || req.destroyed) return Promise.reject(closedByClient())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= max) return void chunks.push(chunk)
      stop()
      req.resume()
      reject(tooLarge(max))
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks, size).toString('utf8'))
    }
    // A client that goes away mid-body shows up as 'aborted' and/or an ECONNRESET 'error' ("aborted").
    const onAborted = () => {
      stop()
      reject(closedByClient())
    }
    const onError = (e: NodeJS.ErrnoException) => {
      stop()
      reject(req.readableAborted || e?.code === 'ECONNRESET' ? closedByClient() : unreadable())
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

async function readWebBody(c: Context, max: number): Promise<string> {
  if (Number(c.req.header('content-length') ?? 0) > max) throw tooLarge(max)
  const body = c.req.raw.body
  if (!body) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>
    try {
      chunk = await reader.read()
    } catch {
      throw c.req.raw.signal?.aborted ? closedByClient() : unreadable()
    }
    const { done, value } = chunk
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel()
      throw tooLarge(max)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

/**
 * A request header. Under @hono/node-server it is read from the Node request, because `c.req.header()` first
 * builds a WHATWG Headers object from all raw headers (a few KB of garbage per request on the signing path).
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = nodeRequest(c)
  if (incoming) {
    const v = incoming.headers[name.toLowerCase()]
    return Array.isArray(v) ? v.join(', ') : v
  }
  return c.req.header(name)
}

/** Accept negotiation as Web3Signer does it: JSON when any value is application/json (or *\/* if `star`). */
export function acceptsJson(accept: string | undefined, star: boolean): boolean {
  if (!accept) return false
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]?.trim().toLowerCase()
    return type === 'application/json' || (star && type === '*/*')
  })
}
