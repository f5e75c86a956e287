import type { IncomingMessage } from 'node:http'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { CustosError, httpErrorOf, jsonErrorBody } from '../errors.js'
import type { RpcCall, RpcMethod, RpcPeer } from '../kms/index.js'
import type { Logger } from '../log.js'
import { checkHostHeader, isJsonContentType, NetError } from '../net/index.js'
import type { NodeMetrics } from './metrics.js'
import { createPrpcFastPath, type PrpcFastPath } from './prpcFastPath.js'

/** Metrics status of a request whose client went away before its body arrived (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499

export interface PrpcAppOptions {
  /** service name for metrics and the optional `Service.` prefix in paths (KMS, Onboard) */
  service: string
  methods: RpcMethod[]
  logger: Logger
  metrics?: NodeMetrics
  maxBodyBytes: number
  /** added to every JSON response so nobody mistakes simulated keys for real ones */
  simulated: boolean
  /** verified peer of the request's TLS socket (undefined on plain HTTP or without a client cert) */
  peerOf?: (incoming: IncomingMessage) => Promise<RpcPeer | undefined>
  /** extra response headers (dstack adds X-App-Version) */
  headers?: Record<string, string>
  /**
   * For a plain-HTTP listener a local web browser can reach (onboard): methods that are not `readOnly` need
   * POST with `Content-Type: application/json` (CSRF), and when `listenHost` is a loopback address every
   * request's Host header must be a loopback name (DNS rebinding).
   */
  browserGuard?: { listenHost: string }
  /**
   * A credential every request must carry (the admin listener's token): checked before any route, /health
   * included, as dstack's admin authenticator guards its whole listener; throws a CustosError to refuse. A 401
   * also says which scheme to use (WWW-Authenticate).
   */
  authenticate?: (header: (name: string) => string | undefined) => void
}

type Env = { Bindings: { incoming: IncomingMessage } }

/** One prpc request as the core sees it, whichever HTTP layer (hono, or node:http directly) received it. */
export interface PrpcHttpRequest {
  /** HTTP method */
  method: string
  url: URL
  /** the Content-Type header (repeated headers joined by ", ", as fetch's Headers do), null when absent */
  contentType: string | null
  /** the whole request body, UTF-8 decoded as fetch's `Request.text()` does */
  text(): Promise<string>
  incoming: IncomingMessage | undefined
}

/** The answer to one prpc request: a JSON text, or no body at all when the client already went away. */
export type PrpcAnswer = { status: number; json: string } | { status: 400; json: null }

/** The transport-independent part of a prpc service: route one method call to its answer and its metrics. */
export interface PrpcCore {
  answer(rawMethod: string, req: PrpcHttpRequest): Promise<PrpcAnswer>
}

/** Turns a zod failure into a message naming the field paths, never the received values. */
function describeIssues(issues: Array<{ path: (string | number)[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ')
}

/** The client closed the connection before its request body arrived. */
class ClientAbort extends Error {}

/**
 * Parses the prpc input: JSON body for POST (`?json` or JSON content type), query string for GET.
 * `jsonPostOnly` (state-changing call on a browser-reachable listener): only POST with a JSON content type.
 */
async function readInput(req: PrpcHttpRequest, jsonPostOnly: boolean): Promise<unknown> {
  if (jsonPostOnly && req.method !== 'POST')
    throw new CustosError(
      'RPC_BAD_METHOD',
      405,
      'this method changes state: call it by POST with Content-Type: application/json',
    )
  if (req.method === 'GET') return Object.fromEntries(req.url.searchParams.entries())
  if (req.method !== 'POST') throw new CustosError('RPC_BAD_METHOD', 405, `use POST (or GET) for prpc methods`)
  const isJson = req.url.searchParams.has('json') || (req.contentType ?? '').includes('application/json')
  let text: string
  try {
    text = await req.text()
  } catch (e) {
    if (req.incoming?.readableAborted || (e as NodeJS.ErrnoException).code === 'ECONNRESET') throw new ClientAbort()
    throw e
  }
  if (!isJson && text.length > 0)
    throw new CustosError('RPC_BINARY_UNSUPPORTED', 400, 'protobuf bodies are not supported: send JSON with ?json')
  if (jsonPostOnly && !isJsonContentType(req.contentType))
    throw new NetError(
      'NET_JSON_REQUIRED',
      'this method changes state: send Content-Type: application/json (other content types are refused because ' +
        'a web page could send them cross-site)',
    )
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new CustosError('RPC_BAD_JSON', 400, 'request body is not valid JSON')
  }
}

/**
 * The prpc convention: `/prpc/<Method>` and `/prpc/<Service>.<Method>`, errors as HTTP 4xx `{"error": …}`;
 * anything unexpected is logged with an id and answered with a bare 500. The JSON text is made here, inside the
 * try, so that even a response that cannot be serialised is answered (and counted) as a failure.
 */
export function createPrpcCore(opts: PrpcAppOptions): PrpcCore {
  const byName = new Map(opts.methods.map((m) => [m.name, m]))
  const tee = opts.simulated ? { tee: 'simulated' } : {}
  const guarded = opts.browserGuard !== undefined
  return {
    async answer(raw, req) {
      const started = performance.now()
      const name = raw.startsWith(`${opts.service}.`) ? raw.slice(opts.service.length + 1) : raw
      const method = byName.get(name)
      let status = 200
      try {
        if (!method) {
          status = 404
          return {
            status,
            json: JSON.stringify({ error: `unknown method ${JSON.stringify(name.slice(0, 64))} on ${opts.service}` }),
          }
        }
        const input = await readInput(req, guarded && method.readOnly !== true)
        const parsed = method.input.safeParse(input)
        if (!parsed.success) {
          status = 400
          return {
            status,
            json: JSON.stringify({
              error: `invalid request: ${describeIssues(parsed.error.issues)}`,
              code: 'RPC_INVALID_INPUT',
            }),
          }
        }
        let peerPromise: Promise<RpcPeer | undefined> | undefined
        const call: RpcCall = {
          peer: () => {
            if (!opts.peerOf) return Promise.resolve(undefined)
            peerPromise ??= opts.peerOf(req.incoming as IncomingMessage)
            return peerPromise
          },
        }
        const out = await method.run(parsed.data, call)
        const body = out === undefined || out === null ? {} : out
        return { status, json: JSON.stringify({ ...(body as object), ...tee }) }
      } catch (e) {
        if (e instanceof ClientAbort) {
          // nobody is left to answer; not a server failure
          status = CLIENT_CLOSED_REQUEST
          opts.logger.debug({ method: name }, 'client closed the connection before sending its request body')
          return { status: 400, json: null }
        }
        const answer = httpErrorOf(e)
        status = answer.status
        if (answer.errorId === undefined) opts.logger.info({ method: name, code: answer.code, status }, 'rpc refused')
        else opts.logger.error({ method: name, errorId: answer.errorId, err: (e as Error)?.message }, 'rpc failed')
        return { status, json: JSON.stringify(jsonErrorBody(answer)) }
      } finally {
        opts.metrics?.observeRpc(opts.service, method ? name : 'unknown', status, (performance.now() - started) / 1000)
      }
    },
  }
}

/** node:http handlers that answer the prpc routes of an app without its hono adapter (see prpcFastPath.ts). */
const fastPaths = new WeakMap<object, PrpcFastPath>()

/** The fast path `listen` dispatches to before the hono adapter, when `app` was made by createPrpcApp. */
export function prpcFastPathOf(app: object): PrpcFastPath | undefined {
  return fastPaths.get(app)
}

/**
 * A Hono app serving `methods` under the prpc convention (createPrpcCore). `listen` answers the well-formed
 * method calls of an unguarded app (the KMS main service) with the same core straight from node:http; the
 * routes here serve everything else (and `app.request` in tests).
 */
export function createPrpcApp(opts: PrpcAppOptions): Hono<Env> {
  const app = new Hono<Env>()
  const core = createPrpcCore(opts)

  app.use('*', async (c, next) => {
    await next()
    for (const [k, v] of Object.entries(opts.headers ?? {})) c.header(k, v)
    if (opts.simulated) c.header('X-Custos-Tee', 'simulated')
  })
  const authenticate = opts.authenticate
  if (authenticate)
    app.use('*', async (c, next) => {
      try {
        authenticate((name) => c.req.header(name))
      } catch (e) {
        const answer = httpErrorOf(e)
        opts.logger.info({ code: answer.code, status: answer.status }, 'request refused')
        if (answer.status === 401) c.header('WWW-Authenticate', `Bearer realm="custos ${opts.service}"`)
        return c.json(jsonErrorBody(answer), answer.status as 401)
      }
      await next()
    })
  const guard = opts.browserGuard
  if (guard)
    app.use('*', async (c, next) => {
      try {
        checkHostHeader(c.req.header('host'), guard.listenHost)
      } catch (e) {
        const answer = httpErrorOf(e)
        opts.logger.info({ code: answer.code, status: answer.status }, 'request refused')
        return c.json(jsonErrorBody(answer), answer.status as 403)
      }
      await next()
    })
  app.use(
    '/prpc/*',
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: (c) =>
        c.json({ error: `request body exceeds ${opts.maxBodyBytes} bytes`, code: 'RPC_BODY_TOO_LARGE' }, 413),
    }),
  )

  app.all('/prpc/:method', async (c) => {
    const a = await core.answer(c.req.param('method'), {
      method: c.req.method,
      // only read when a known method needs it, as before
      get url() {
        return new URL(c.req.url)
      },
      contentType: c.req.raw.headers.get('content-type'),
      // c.req.raw at call time: the body limit may have replaced it with the buffered body
      text: () => c.req.raw.text(),
      incoming: c.env?.incoming,
    })
    if (a.json === null) return c.body(null, 400)
    return c.body(a.json, a.status as 400, { 'Content-Type': 'application/json' })
  })

  app.get('/health', (c) => c.text('OK'))
  if (opts.metrics) {
    const registry = opts.metrics.registry
    app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }))
  }
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError((e, c) => {
    if (c.env?.incoming?.readableAborted) {
      opts.logger.debug({ err: e.message }, 'client closed the connection mid-request')
      return c.body(null, 400)
    }
    const answer = httpErrorOf(e)
    opts.logger.error({ errorId: answer.errorId, code: answer.code, err: e.message }, 'request failed')
    return c.json(jsonErrorBody(answer), answer.status as 500)
  })
  // The browser guard (onboard, plain HTTP, rarely called) and the credential check (admin) stay on hono alone: the
  // fast path answers before any middleware, so only apps with neither get it.
  if (!guard && !authenticate) fastPaths.set(app, createPrpcFastPath(core, opts))
  return app
}
