import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { methodNotAllowed } from './methodNotAllowed.js'

describe('methodNotAllowed', () => {
  it('answers 405 with Allow for another method on a served path; the served methods and other paths are untouched', async () => {
    const app = new Hono()
    app.get('/x', (c) => c.text('ok'))
    app.post('/s/:id', (c) => c.text(c.req.param('id')))
    methodNotAllowed(app, '/x', ['GET'])
    methodNotAllowed(app, '/s/:id', ['POST'])
    expect(await (await app.request('/x')).text()).toBe('ok')
    expect((await app.request('/x', { method: 'HEAD' })).status).toBe(200)
    expect(await (await app.request('/s/abc', { method: 'POST' })).text()).toBe('abc')
    for (const [path, method, allow] of [
      ['/x', 'POST', 'GET, HEAD'],
      ['/x', 'DELETE', 'GET, HEAD'],
      ['/s/abc', 'GET', 'POST'],
      ['/s/abc', 'PUT', 'POST'],
    ] as const) {
      const r = await app.request(path, { method })
      expect([path, method, r.status, r.headers.get('allow')]).toEqual([path, method, 405, allow])
      expect(await r.json()).toMatchObject({ error: 'method not allowed' })
    }
    expect((await app.request('/nope', { method: 'DELETE' })).status).toBe(404)
  })
})
