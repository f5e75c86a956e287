/**
 * The KMS hot path (every booting app calls GetAppKey on a fresh connection) answered straight from node:http.
 * Going through hono's node-server adapter cost ~1 ms of CPU per request here: a web Request and body stream
 * per call, and because the app's header middleware edits a finished response, a second Response whose body
 * is re-read as a stream. The answers are the ones the hono routes in prpc.ts give: same core
 * (createPrpcCore), same status, JSON text and headers (names, case and order as the adapter writes them).
 *
 * Only the plain, well-formed calls are taken here; everything else (other paths, other HTTP methods, chunked
 * or over-limit or length-less bodies, odd request targets or Host headers) returns false and the hono
 * adapter answers it exactly as before.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { httpErrorOf, jsonErrorBody } from '../errors.js'
import type { PrpcAnswer, PrpcAppOptions, PrpcCore, PrpcHttpRequest } from './prpc.js'

/** Answers `req` and returns true, or returns false without touching `req`/`res` (the caller passes it on). */
export type PrpcFastPath = (req: IncomingMessage, res: ServerResponse) => boolean

/** A method segment the hono route would match and decode to itself (no `%`, no `/`). */
const PRPC_PATH = /^\/prpc\/([A-Za-z0-9_.-]+)$/
/** How long an unread request body may still trickle in after the answer (the adapter's drain timeout). */
const DRAIN_TIMEOUT_MS = 500
const utf8 = new TextDecoder()

/** Header values as fetch's Headers keep them (leading and trailing HTTP whitespace removed). */
const headerValue = (v: string) => v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '')

/**
 * The response headers the adapter writes for this app. When the app adds headers after the route (X-App-Version,
 * X-Custos-Tee), hono rebuilds the response and the adapter writes lower-case names in Headers order (sorted),
 * then content-length; without such headers it writes the route's own `Content-Type` and `Content-Length`.
 */
function responseHeaders(opts: Pick<PrpcAppOptions, 'headers' | 'simulated'>) {
  const extra = new Map<string, string>()
  for (const [k, v] of Object.entries(opts.headers ?? {})) extra.set(k.toLowerCase(), headerValue(v))
  if (opts.simulated) extra.set('x-custos-tee', 'simulated')
  if (extra.size === 0)
    return {
      json: (length: number): OutgoingHttpHeaders => ({ 'Content-Type': 'application/json', 'Content-Length': length }),
      empty: (): OutgoingHttpHeaders => ({ 'content-type': 'text/plain; charset=UTF-8' }),
    }
  const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const jsonNames = sorted(new Map([['content-type', 'application/json'], ...extra]))
  const emptyNames = sorted(extra)
  return {
    json: (length: number): OutgoingHttpHeaders => {
      const h: OutgoingHttpHeaders = Object.fromEntries(jsonNames)
      h['content-length'] ??= length
      return h
    },
    empty: (): OutgoingHttpHeaders => {
      const h: OutgoingHttpHeaders = Object.fromEntries(emptyNames)
      h['content-type'] ??= 'text/plain; charset=UTF-8'
      return h
    },
  }
}

/** Content-Type as fetch's Headers report it: every occurrence, joined by ", "; null when there is none. */
function contentTypeOf(req: IncomingMessage): string | null {
  let out: string | null = null
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 12 && name.toLowerCase() === 'content-type')
      out = out === null ? (raw[i + 1] as string) : `${out}, ${raw[i + 1]}`
  }
  return out
}

/** The whole body, decoded as `Request.text()` decodes it (UTF-8, a leading BOM dropped, bad bytes replaced). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let ended = false
    req.on('data', (c: Buffer) => chunks.push(c))
    req.once('end', () => {
      ended = true
      resolve(utf8.decode(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
    })
    req.once('error', reject)
    req.once('close', () => {
      if (!ended) reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    })
  })
}

/** Discard what is left of an unread body so the connection can serve its next request; give up after a while. */
function drainUnread(req: IncomingMessage): void {
  if (req.destroyed || req.complete) return
  const timer = setTimeout(() => {
    req.off('end', done)
    req.off('error', done)
    if (!req.socket.destroyed) req.socket.destroySoon()
  }, DRAIN_TIMEOUT_MS)
  timer.unref()
  function done() {
    clearTimeout(timer)
  }
  req.once('end', done)
  req.once('error', done)
  req.resume()
}

/**
 * The fast path of one prpc app. `opts` are the app's options (headers, body limit, logger); `core` answers.
 * The caller has already excluded apps with a browser guard.
 */
export function createPrpcFastPath(core: PrpcCore, opts: PrpcAppOptions): PrpcFastPath {
  const headers = responseHeaders(opts)

  function write(req: IncomingMessage, res: ServerResponse, a: PrpcAnswer): void {
    // as the adapter: a POST body left unread (unknown method) is drained; a GET's is left to node:http
    if (req.method === 'POST' && !req.complete) res.once('finish', () => drainUnread(req))
    if (a.json === null) {
      res.writeHead(a.status, headers.empty())
      res.end()
      return
    }
    res.writeHead(a.status, headers.json(Buffer.byteLength(a.json)))
    res.end(a.json)
  }

  /** What the app's onError answers for a failure outside the core's own handling. */
  function failed(req: IncomingMessage, e: unknown): PrpcAnswer {
    if (req.readableAborted) {
      opts.logger.debug({ err: (e as Error)?.message }, 'client closed the connection mid-request')
      return { status: 400, json: null }
    }
    const answer = httpErrorOf(e)
    opts.logger.error({ errorId: answer.errorId, code: answer.code, err: (e as Error)?.message }, 'request failed')
    return { status: answer.status, json: JSON.stringify(jsonErrorBody(answer)) }
  }

  return (req, res) => {
    const target = req.url ?? ''
    if (!target.startsWith('/prpc/') || target.includes('\\')) return false
    const method = req.method
    if (method !== 'GET' && method !== 'POST') return false
    if (method === 'POST') {
      // a declared length within the limit: the adapter's body limit would let it through unread
      const length = req.headers['content-length']
      if (length === undefined || req.headers['transfer-encoding'] !== undefined) return false
      if (Number.parseInt(length, 10) > opts.maxBodyBytes) return false
    }
    // the URL the adapter builds (scheme from the socket, authority from Host), with its Host check
    const host = req.headers.host
    if (!host) return false
    let url: URL
    try {
      url = new URL(`${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${host}${target}`)
    } catch {
      return false
    }
    if (url.hostname.length !== host.length && url.hostname !== host.replace(/:\d+$/, '')) return false
    const name = PRPC_PATH.exec(url.pathname)?.[1]
    if (name === undefined) return false

    const input: PrpcHttpRequest = {
      method,
      url,
      contentType: contentTypeOf(req),
      text: () => readBody(req),
      incoming: req,
    }
    core
      .answer(name, input)
      .then(
        (a) => a,
        (e) => failed(req, e),
      )
      .then((a) => write(req, res, a))
      .catch((e) => {
        // nothing sensible can be sent any more (e.g. an invalid configured header): drop the connection
        opts.logger.error({ err: (e as Error)?.message }, 'prpc response could not be written')
        res.destroy()
      })
    return true
  }
}
