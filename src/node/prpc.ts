import type { IncomingMessage } from 'node:http'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { CustosError, httpErrorOf, jsonErrorBody } from '../errors.js'
import type { RpcCall, RpcMethod, RpcPeer } from '../kms/index.js'
import type { Logger } from '../log.js'
import { checkHostHeader, isJsonContentType, NetError } from '../net/index.js'
import type { NodeMetrics } from './metrics.js'

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
}

type Env = { Bindings: { incoming: IncomingMessage } }

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
async function readInput(
  req: Request,
  url: URL,
  incoming: IncomingMessage | undefined,
  jsonPostOnly: boolean,
): Promise<unknown> {
  if (jsonPostOnly && req.method !== 'POST')
    throw new CustosError(
      'RPC_BAD_METHOD',
      405,
      'this method changes state: call it by POST with Content-Type: application/json',
    )
  if (req.method === 'GET') return Object.fromEntries(url.searchParams.entries())
  if (req.method !== 'POST') throw new CustosError('RPC_BAD_METHOD', 405, `use POST (or GET) for prpc methods`)
  const isJson = url.searchParams.has('json') || (req.headers.get('content-type') ?? '').includes('application/json')
  let text: string
  try {
    text = await req.text()
  } catch (e) {
    if (incoming?.readableAborted || (e as NodeJS.ErrnoException).code === 'ECONNRESET') throw new ClientAbort()
    throw e
  }
  if (!isJson && text.length > 0)
    throw new CustosError('RPC_BINARY_UNSUPPORTED', 400, 'protobuf bodies are not supported: send JSON with ?json')
  if (jsonPostOnly && !isJsonContentType(req.headers.get('content-type')))
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
 * A Hono app serving `methods` under the prpc convention: `/prpc/<Method>` and `/prpc/<Service>.<Method>`,
 * errors as HTTP 4xx `{"error": …}`; anything unexpected is logged with an id and answered with a bare 500.
 */
export function createPrpcApp(opts: PrpcAppOptions): Hono<Env> {
  const app = new Hono<Env>()
  const byName = new Map(opts.methods.map((m) => [m.name, m]))
  const tee = opts.simulated ? { tee: 'simulated' } : {}

  app.use('*', async (c, next) => {
    await next()
    for (const [k, v] of Object.entries(opts.headers ?? {})) c.header(k, v)
    if (opts.simulated) c.header('X-Custos-Tee', 'simulated')
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
    const started = performance.now()
    const raw = c.req.param('method')
    const name = raw.startsWith(`${opts.service}.`) ? raw.slice(opts.service.length + 1) : raw
    const method = byName.get(name)
    let status = 200
    try {
      if (!method) {
        status = 404
        return c.json({ error: `unknown method ${JSON.stringify(name.slice(0, 64))} on ${opts.service}` }, 404)
      }
      const url = new URL(c.req.url)
      const input = await readInput(c.req.raw, url, c.env?.incoming, guard !== undefined && method.readOnly !== true)
      const parsed = method.input.safeParse(input)
      if (!parsed.success) {
        status = 400
        return c.json(
          { error: `invalid request: ${describeIssues(parsed.error.issues)}`, code: 'RPC_INVALID_INPUT' },
          400,
        )
      }
      let peerPromise: Promise<RpcPeer | undefined> | undefined
      const call: RpcCall = {
        peer: () => {
          if (!opts.peerOf) return Promise.resolve(undefined)
          peerPromise ??= opts.peerOf(c.env.incoming)
          return peerPromise
        },
      }
      const out = await method.run(parsed.data, call)
      const body = out === undefined || out === null ? {} : out
      return c.json({ ...(body as object), ...tee })
    } catch (e) {
      if (e instanceof ClientAbort) {
        // nobody is left to answer; not a server failure
        status = CLIENT_CLOSED_REQUEST
        opts.logger.debug({ method: name }, 'client closed the connection before sending its request body')
        return c.body(null, 400)
      }
      const answer = httpErrorOf(e)
      status = answer.status
      if (answer.errorId === undefined) opts.logger.info({ method: name, code: answer.code, status }, 'rpc refused')
      else opts.logger.error({ method: name, errorId: answer.errorId, err: (e as Error)?.message }, 'rpc failed')
      return c.json(jsonErrorBody(answer), status as 400)
    } finally {
      opts.metrics?.observeRpc(opts.service, method ? name : 'unknown', status, (performance.now() - started) / 1000)
    }
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
  return app
}
