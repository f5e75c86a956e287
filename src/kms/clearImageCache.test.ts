/** Admin.ClearImageCache: dstack's cache-key rule and error text; the admin token check. */
import { describe, expect, it } from 'vitest'
import { checkAdminToken } from './adminAuth.js'
import { checkCacheKey, clearImageCache } from './clearImageCache.js'

const call = (body: unknown) => {
  const m = clearImageCache()
  return m.run(m.input.parse(body), { peer: async () => undefined })
}

describe('Admin.ClearImageCache (dstack remove_cache)', () => {
  it('"" does nothing, "all" wipes, hex names an entry: each answers {}', async () => {
    expect(await call({})).toEqual({})
    expect(await call({ image_hash: '', config_hash: '' })).toEqual({})
    expect(await call({ image_hash: 'all', config_hash: 'all' })).toEqual({})
    // dstack accepts any ASCII hex digits, either case, any length
    expect(await call({ image_hash: 'c0570500De0E7', config_hash: 'a' })).toEqual({})
  })

  it('anything else is "invalid cache key", named by the cache as dstack wraps it (image first)', async () => {
    for (const bad of ['../etc', '0xab', 'ALL', 'all ', 'ab/cd', 'g'])
      await expect(call({ image_hash: bad })).rejects.toMatchObject({
        code: 'KMS_INVALID_CACHE_KEY',
        status: 400,
        shortMessage: 'failed to clear image cache: invalid cache key',
      })
    await expect(call({ config_hash: '..' })).rejects.toMatchObject({
      shortMessage: 'failed to clear measurement cache: invalid cache key',
    })
    await expect(call({ image_hash: 'x', config_hash: 'y' })).rejects.toMatchObject({
      shortMessage: 'failed to clear image cache: invalid cache key',
    })
    expect(() => checkCacheKey('all', 'measurement')).not.toThrow()
  })

  it('non-string fields are refused by the schema, as prpc JSON decoding does', () => {
    expect(clearImageCache().input.safeParse({ image_hash: 5 }).success).toBe(false)
  })
})

describe('admin token check', () => {
  const token = 'f'.repeat(64)
  const check = checkAdminToken(token)
  const headers = (h: Record<string, string>) => (name: string) => h[name]

  it('accepts the token as Bearer or X-Admin-Token', () => {
    expect(() => check(headers({ authorization: `Bearer ${token}` }))).not.toThrow()
    expect(() => check(headers({ 'x-admin-token': token }))).not.toThrow()
    // a wrong X-Admin-Token does not hide a right Bearer (dstack tries both)
    expect(() => check(headers({ 'x-admin-token': 'nope', authorization: `Bearer ${token}` }))).not.toThrow()
  })

  it('refuses none, a wrong one, a prefix, and other schemes with 401', () => {
    const refused: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${token.slice(1)}` },
      { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` },
      { authorization: token },
      { 'x-admin-token': '' },
    ]
    for (const h of refused)
      expect(() => check(headers(h))).toThrow(expect.objectContaining({ code: 'KMS_ADMIN_UNAUTHORIZED', status: 401 }))
  })

  it('refuses to guard with a short token', () => {
    expect(() => checkAdminToken('short')).toThrow(RangeError)
  })
})
