/** The KMS admin listener (dstack `[core.admin]`): Admin.ClearImageCache behind the admin token. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { rawRequest } from '../../test/support/http.js'
import { nullLogger } from '../log.js'
import { adminToken } from './adminListener.js'
import { loadConfig } from './config.js'
import { startNode } from './node.js'

const homes: string[] = []
const tempHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'custos-admin-'))
  homes.push(h)
  return h
}
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

/** A simulated node without keys and the admin listener on an ephemeral loopback port. */
const toml = (adminListen = '127.0.0.1:0') => `
[tee]
platform = "simulated"
[attestation]
trust_simulated = true
[policy]
backend = "dev"
[kms]
listen = "127.0.0.1:0"
[kms.admin]
enabled = true
listen = "${adminListen}"
`

describe('KMS admin listener', () => {
  it('serves Admin.ClearImageCache with the admin token only; refusals in the prpc error shape', async () => {
    const home = tempHome()
    const node = await startNode(loadConfig(home, toml()), { dev: true, logger: nullLogger })
    try {
      const tokenFile = join(home, 'kms-admin-token')
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
      const token = readFileSync(tokenFile, 'utf8').trim()
      const url = `${node.admin!.url}/prpc/Admin.ClearImageCache?json`
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        rawRequest(url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })

      // unauthenticated or wrong token: 401 before the method runs, /health included
      const wrong: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { 'x-admin-token': 'nope' },
      ]
      for (const headers of wrong) {
        const r = await post({ image_hash: 'all' }, headers)
        expect(r.status).toBe(401)
        expect(r.headers['www-authenticate']).toBe('Bearer realm="custos Admin"')
        expect(r.json()).toMatchObject({ code: 'KMS_ADMIN_UNAUTHORIZED', error: expect.stringMatching(/admin token/) })
      }
      expect((await rawRequest(`${node.admin!.url}/health`, { method: 'GET' })).status).toBe(401)
      // the prefix-less path the prpc convention also accepts is guarded the same way
      expect((await rawRequest(`${node.admin!.url}/prpc/ClearImageCache?json`, { body: '{}' })).status).toBe(401)

      const bearer = { authorization: `Bearer ${token}` }
      for (const body of [
        {},
        { image_hash: '', config_hash: '' },
        { image_hash: 'all' },
        { config_hash: 'ABCdef01' },
      ]) {
        const r = await post(body, bearer)
        expect(r.status, JSON.stringify(body)).toBe(200)
        expect(r.json()).toEqual({ tee: 'simulated' }) // `{}`, plus the simulated marker every reply carries
      }
      const viaHeader = await post({ image_hash: 'all', config_hash: 'all' }, { 'x-admin-token': token })
      expect(viaHeader.status).toBe(200)
      // dstack's client posts without a content type too (`?json` says JSON)
      expect((await rawRequest(url, { body: '{"image_hash":"ab"}', headers: bearer })).status).toBe(200)

      const bad = await post({ image_hash: '../data' }, bearer)
      expect(bad.status).toBe(400)
      expect(bad.json()).toEqual({
        error: 'failed to clear image cache: invalid cache key',
        code: 'KMS_INVALID_CACHE_KEY',
      })
      const badConfig = await post({ config_hash: '0x12' }, bearer)
      expect(badConfig.json()).toEqual({
        error: 'failed to clear measurement cache: invalid cache key',
        code: 'KMS_INVALID_CACHE_KEY',
      })
      const notString = await post({ image_hash: 1 }, bearer)
      expect(notString.status).toBe(400)
      expect(notString.json()).toMatchObject({ code: 'RPC_INVALID_INPUT' })

      // the admin service is not on the KMS (onboard) listener, nor the KMS methods on the admin one
      expect((await rawRequest(`${node.onboard!.url}/prpc/Admin.ClearImageCache?json`, { body: '{}' })).status).toBe(
        404,
      )
      const kmsMethod = await rawRequest(`${node.admin!.url}/prpc/Bootstrap?json`, { body: '{}', headers: bearer })
      expect(kmsMethod.status).toBe(404)
    } finally {
      await node.close()
    }
  })

  it('refuses a non-loopback address without --dev, and a token file others can read', async () => {
    const home = tempHome()
    const err = await startNode(loadConfig(home, toml('0.0.0.0:0')), { dev: false, logger: nullLogger }).catch(
      (e: unknown) => e,
    )
    // without --dev the simulated TEE is refused first; the admin address is checked by the listener itself
    expect(err).toMatchObject({ code: 'NODE_SIMULATED_REFUSED' })
    const { startAdminListener } = await import('./adminListener.js')
    await expect(
      startAdminListener(loadConfig(home, toml('0.0.0.0:0')), {
        kms: { adminMethods: () => [] } as never,
        logger: nullLogger,
        metrics: undefined as never,
        simulated: true,
        dev: false,
      }),
    ).rejects.toMatchObject({ code: 'NODE_INSECURE_REFUSED', message: expect.stringMatching(/loopback/) })

    const file = join(home, 'token')
    writeFileSync(file, `${'a'.repeat(64)}\n`, { mode: 0o600 })
    expect(adminToken(file)).toBe('a'.repeat(64))
    chmodSync(file, 0o640)
    if (process.platform !== 'win32') expect(() => adminToken(file)).toThrow(/chmod 600/)
    chmodSync(file, 0o600)
    writeFileSync(file, 'short')
    expect(() => adminToken(file)).toThrow(/at least 16 characters/)
  })
})
