import type { Hono } from 'hono'

/**
 * Answer 405 (with `Allow`) for a known path asked with a method it does not serve, as Web3Signer (Vert.x router)
 * does; only paths nobody serves are 404. Register it after the path's own handlers: Hono runs the first match,
 * so the real methods never get here. The body has the same `{error, message}` keys as our 404.
 */
export function methodNotAllowed(app: Hono, path: string, allowed: readonly string[]): void {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ')
  app.all(path, (c) =>
    c.json({ error: 'method not allowed', message: `this endpoint serves ${allow}` }, 405, { Allow: allow }),
  )
}
