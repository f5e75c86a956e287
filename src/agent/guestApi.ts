import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { httpErrorOf, jsonErrorBody } from '../errors.js'
import { handleEmitEvent } from './emitEvent.js'
import { AgentError } from './errors.js'
import { handleGetKey } from './getKey.js'
import type { GuestContext } from './guestContext.js'
import { assertWellFormedJson, queryToObject, strictSearchParams } from './guestInput.js'
import { handleInfo } from './info.js'
import { handleAttest, handleGetQuote } from './quote.js'
import { handleSign, handleVerify } from './sign.js'
import { handleDeriveK256Key, handleDeriveKey } from './tappdKey.js'
import { handleRawQuote, handleTdxQuote } from './tappdQuote.js'
import { handleGetTlsKey } from './tlsKey.js'

/** dstack guest-agent API level this agent implements (reported by /Version). */
export const GUEST_API_VERSION = '0.5.8'
export const GUEST_API_REV = 'custos'

export const MAX_GUEST_BODY_BYTES = 1024 * 1024

export type GuestHandler = (ctx: GuestContext, input: unknown) => unknown | Promise<unknown>

/** The DstackGuest service methods, mounted at `/<Method>` (dstack-kms.md §1, §7). */
export const GUEST_METHODS: Record<string, GuestHandler> = {
  GetKey: handleGetKey,
  GetQuote: handleGetQuote,
  Attest: handleAttest,
  Info: (ctx) => handleInfo(ctx),
  GetTlsKey: handleGetTlsKey,
  Sign: handleSign,
  Verify: handleVerify,
  Version: () => ({ version: GUEST_API_VERSION, rev: GUEST_API_REV }),
  GpuInfo: () => ({ attestation: '' }),
  EmitEvent: handleEmitEvent,
}

/**
 * The legacy `Tappd` service (dstack's tappd.sock, for the SDK's deprecated `TappdClient`), mounted at
 * `/prpc/<Method>` and `/prpc/Tappd.<Method>` as dstack's `prpc_routes!(…, trim: "Tappd.")` does.
 */
export const TAPPD_METHODS: Record<string, GuestHandler> = {
  DeriveKey: handleDeriveKey,
  DeriveK256Key: handleDeriveK256Key,
  TdxQuote: handleTdxQuote,
  RawQuote: handleRawQuote,
  Info: (ctx) => handleInfo(ctx),
  Version: GUEST_METHODS.Version as GuestHandler,
}

/** JSON with every non-ASCII character escaped (`\uXXXX`), so its length in characters is its length in bytes. */
export function asciiJsonText(body: unknown): string {
  return JSON.stringify(body).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * `asciiJsonText` with an explicit Content-Length: the dstack SDK reads unix-socket replies by Content-Length
 * counted in characters and cannot parse chunked bodies.
 */
export function asciiJson(body: unknown, status = 200): Response {
  const text = asciiJsonText(body)
  return new Response(text, {
    status,
    headers: { 'content-type': 'application/json', 'content-length': String(text.length) },
  })
}

/** Strict UTF-8: invalid bytes are an error, not U+FFFD (which would make distinct paths collide). */
const utf8 = new TextDecoder('utf-8', { fatal: true })

async function readInput(req: Request): Promise<unknown> {
  const url = new URL(req.url)
  if (req.method === 'GET') return queryToObject(strictSearchParams(url.search))
  if (req.method !== 'POST') throw new AgentError('AGENT_BAD_INPUT', 'use POST (or GET with a query string)')
  const bytes = new Uint8Array(await req.arrayBuffer())
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new AgentError('AGENT_BAD_INPUT', 'request body is not valid UTF-8 (invalid bytes are refused, not replaced)')
  }
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new AgentError('AGENT_BAD_INPUT', 'request body is not valid JSON')
  }
  assertWellFormedJson(value)
  return value
}

export interface GuestApiOptions {
  /**
   * Also serve the legacy Tappd service under `/prpc/` (tappd.sock, the HTTP port). The DstackGuest methods
   * stay at `/<Method>` there too: the SDK's `TappdClient` inherits `info()`, `getKey()`, `getQuote()` … from
   * `DstackClient`, which call `/Info`, `/GetKey`, … on the tappd endpoint.
   */
  tappd?: boolean
}

/** Strips every leading `prefix`, as Rust's `trim_start_matches` in dstack's `prpc_routes!(…, trim: …)`. */
export function trimMethodPrefix(name: string, prefix: string): string {
  let n = name
  while (prefix !== '' && n.startsWith(prefix)) n = n.slice(prefix.length)
  return n
}

/** `/prpc/Tappd.Info` and `/prpc/Info` are one method (dstack: `trim: "Tappd."`). */
export function tappdMethodName(name: string): string {
  return trimMethodPrefix(name, 'Tappd.')
}

/** One prpc-style service mounted on an app: where its method segment sits, and its method table. */
export interface MethodMount {
  /** route pattern with a `:method` segment, e.g. `/:method` or `/prpc/:method` */
  path: string
  /** service name for logs */
  service: string
  methods: Record<string, GuestHandler>
  /** maps the path's method segment to a table key (dstack's `trim:` prefix); default: as is */
  methodName?: (raw: string) => string
}

/**
 * A Hono app serving `mounts` with the guest API's conventions (body limit, JSON in and ASCII JSON out).
 * Refusals are HTTP 4xx `{"error", "code"}` (unknown methods and routes 404, as dstack's prpc); unexpected
 * failures are logged with an id and answered 500 `{"error"}`; nothing throws out.
 */
export function createMethodApp(ctx: GuestContext, mounts: MethodMount[], headers: Record<string, string> = {}): Hono {
  const app = new Hono()
  const log = ctx.logger
  if (Object.keys(headers).length > 0)
    app.use('*', async (c, next) => {
      await next()
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v)
    })
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_GUEST_BODY_BYTES,
      onError: () =>
        asciiJson({ error: `request body exceeds ${MAX_GUEST_BODY_BYTES} bytes`, code: 'AGENT_BAD_INPUT' }, 413),
    }),
  )
  const dispatch = async (mount: MethodMount, name: string, req: Request): Promise<Response> => {
    const { service, methods } = mount
    // own properties only: `/constructor` or `/__proto__` must not reach Object.prototype
    const handler = Object.hasOwn(methods, name) ? methods[name] : undefined
    if (!handler)
      return asciiJson(
        { error: `unknown method ${JSON.stringify(name.slice(0, 64))}`, code: 'AGENT_UNKNOWN_METHOD' },
        404,
      )
    try {
      const input = await readInput(req)
      const out = await handler(ctx, input)
      return asciiJson(out)
    } catch (e) {
      const answer = httpErrorOf(e)
      if (answer.errorId === undefined)
        log.info({ service, method: name, code: answer.code, status: answer.status }, 'guest request refused')
      else
        log.error(
          { service, method: name, errorId: answer.errorId, err: (e as Error)?.message },
          'guest request failed',
        )
      return asciiJson(jsonErrorBody(answer), answer.status)
    }
  }
  for (const m of mounts) {
    const name = m.methodName ?? ((raw: string) => raw)
    app.all(m.path, (c) => dispatch(m, name(c.req.param('method') ?? ''), c.req.raw))
  }
  app.notFound(() => asciiJson({ error: 'not found', code: 'AGENT_UNKNOWN_METHOD' }, 404))
  app.onError((e) => {
    const answer = httpErrorOf(e)
    log.error({ errorId: answer.errorId, code: answer.code, err: e.message }, 'guest request failed')
    return asciiJson(jsonErrorBody(answer), answer.status)
  })
  return app
}

/** The internal guest API (dstack.sock; with `tappd`, what tappd.sock serves) as a Hono app. */
export function createGuestApi(ctx: GuestContext, opts: GuestApiOptions = {}): Hono {
  return createMethodApp(ctx, [
    ...(opts.tappd
      ? [{ path: '/prpc/:method', service: 'Tappd', methods: TAPPD_METHODS, methodName: tappdMethodName }]
      : []),
    { path: '/:method', service: 'DstackGuest', methods: GUEST_METHODS },
  ])
}
