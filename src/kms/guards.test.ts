/** A policy that cannot be evaluated refuses with a generic 503; its details stay in the operator's log. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { testIdentity } from '../../test/support/identity.js'
import { memoryLogger } from '../log.js'
import { createPrpcApp } from '../node/prpc.js'
import { type Policy, StaticPolicy } from '../policy/index.js'
import { getTempCaCert } from './getTempCaCert.js'
import { ensureAppAllowed, ensureSelfAllowed, type SelfIdentity } from './guards.js'
import type { KmsService } from './service.js'
import type { KmsDeps } from './types.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-guards-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const identity = testIdentity()
const self = { get: async () => identity } as unknown as SelfIdentity

function depsWith(policy: Policy) {
  const logger = memoryLogger()
  const deps = {
    policy,
    logger,
    now: () => 1_700_000_000,
    options: { enforceSelfAuthorization: true, siteName: '' },
  } as unknown as KmsDeps
  return { deps, logger }
}

/** GetTempCaCert through the prpc layer, as an unauthenticated caller sees it. */
async function getTempCaCertOver(deps: KmsDeps) {
  const kms = { deps, self, material: () => ({}) } as unknown as KmsService
  const app = createPrpcApp({
    service: 'KMS',
    methods: [getTempCaCert(kms)],
    logger: deps.logger,
    maxBodyBytes: 1024 * 1024,
    simulated: false,
  })
  const r = await app.request('/prpc/GetTempCaCert?json', { method: 'POST', body: '{}' })
  return { status: r.status, text: await r.text() }
}

describe('policy unavailable', () => {
  const cases: Array<[string, string | undefined, RegExp]> = [
    ['JSON parse error', '{ "osImages": [ ', /not valid JSON/],
    ['schema error', '{"osImages": 5}', /osImages/],
    ['missing file', undefined, /file not found/],
  ]
  for (const [name, content, detail] of cases)
    it(`${name}: GetTempCaCert answers 503 KMS_POLICY_UNAVAILABLE without the path or parser message`, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.json`)
      if (content !== undefined) writeFileSync(file, content)
      const { deps, logger } = depsWith(new StaticPolicy({ file, reloadIntervalMs: 0 }))
      const r = await getTempCaCertOver(deps)
      expect(r.status).toBe(503)
      const body = JSON.parse(r.text) as { code: string; error: string }
      expect(body.code).toBe('KMS_POLICY_UNAVAILABLE')
      expect(body.error).toMatch(/^policy unavailable/)
      expect(r.text).not.toContain(dir)
      expect(r.text).not.toContain('.json')
      expect(r.text).not.toMatch(detail)
      // the operator's log has the details
      const logged = logger.entries.find((e) => e.level === 'error' && e.msg.startsWith('policy unavailable'))
      expect(JSON.stringify(logged?.obj)).toContain(file)
      expect(JSON.stringify(logged?.obj)).toMatch(detail)
    })

  it('the app check (GetAppKey, SignCert) and a backend that throws refuse the same way', async () => {
    const broken = depsWith(new StaticPolicy({ file: join(dir, 'nope.json'), reloadIntervalMs: 0 }))
    await expect(ensureAppAllowed(broken.deps, identity)).rejects.toMatchObject({
      code: 'KMS_POLICY_UNAVAILABLE',
      status: 503,
    })
    const throwing = depsWith({
      kind: 'webhook',
      check: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:8000 (https://user:pw@auth.internal)')
      },
    } as unknown as Policy)
    const err = await ensureSelfAllowed(throwing.deps, self).catch((e) => e)
    expect(err).toMatchObject({ code: 'KMS_POLICY_UNAVAILABLE', status: 503 })
    expect(JSON.stringify(err.toJSON())).not.toMatch(/10\.0\.0\.7|auth\.internal/)
    expect(throwing.logger.entries.some((e) => e.level === 'error')).toBe(true)
  })

  it('an ordinary deny is still a 400 with its reason', async () => {
    const file = join(dir, 'deny-all.json')
    writeFileSync(
      file,
      JSON.stringify({ osImages: [], kms: { mrAggregated: [], devices: [], allowAnyDevice: false }, apps: {} }),
    )
    const { deps } = depsWith(new StaticPolicy({ file, reloadIntervalMs: 0 }))
    await expect(ensureSelfAllowed(deps, self)).rejects.toMatchObject({ code: 'KMS_SELF_NOT_ALLOWED', status: 400 })
  })
})
