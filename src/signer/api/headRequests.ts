import type { MiddlewareHandler } from 'hono'

/**
 * `HEAD` on any GET route: the GET answer's status and headers without a body.
 *
 * Hono routes HEAD as GET and then re-wraps the answer as `new Response(null, getAnswer)`. Under @hono/node-server
 * that throws for the light responses `c.text(x)` builds on its fast path (they carry no init), and the listener
 * turns the throw into a bare text 500 (`HEAD /upcheck` answered 500). Rebuilding the answer here with an explicit
 * status and headers makes every HEAD behave, whatever the route handler used to build its answer.
 */
export const headAsGet: MiddlewareHandler = async (c, next) => {
  await next()
  if (c.req.method !== 'HEAD') return
  const { status, headers } = c.res
  c.res = undefined
  c.res = new Response(null, { status, headers: new Headers(headers) })
}
