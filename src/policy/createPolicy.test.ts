import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { codeOf } from '../../test/support/errors.js'
import { filled as h, testIdentity } from '../../test/support/identity.js'
import { memoryLogger } from '../log.js'
import { createPolicy } from './createPolicy.js'
import { DEV_POLICY_REASON } from './devPolicy.js'
import type { PolicyBackend } from './types.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const identity = testIdentity({
  platform: 'nitro',
  tcbStatus: '',
  debug: true,
  mrAggregated: h(32, 1),
  mrSystem: h(32, 2),
  osImageHash: new Uint8Array(0),
  composeHash: h(32, 3),
  deviceId: h(32, 5),
  reportData: h(64, 0),
})
describe('createPolicy', () => {
  it('dev: allows everything, warns at creation, logs each decision', async () => {
    const logger = memoryLogger()
    const p = createPolicy({ backend: 'dev', gatewayAppId: 'gw-dev' }, logger)
    expect(p.kind).toBe('dev')
    expect(logger.entries[0]).toMatchObject({ level: 'warn' })
    expect(logger.entries[0]?.msg).toMatch(/INSECURE/)
    for (const role of ['app', 'kms'] as const)
      expect(await p.check(role, identity)).toEqual({
        allowed: true,
        reason: DEV_POLICY_REASON,
        gatewayAppId: 'gw-dev',
      })
    expect(DEV_POLICY_REASON).toBe('dev policy: every request allowed (INSECURE)')
    expect(logger.entries.filter((e) => e.msg === 'policy decision')).toHaveLength(2)
    expect((await p.info()).gatewayAppId).toBe('gw-dev')
    await p.close()
  })

  it('static: reads the file', async () => {
    const d = mkdtempSync(join(tmpdir(), 'custos-cp-'))
    dirs.push(d)
    const file = join(d, 'policy.json')
    writeFileSync(file, '{}')
    const p = createPolicy({ backend: 'static', file })
    expect(p.kind).toBe('static')
    expect((await p.check('app', identity)).reason).toBe('TCB status is not allowed')
  })

  it('refuses bad config', () => {
    expect(codeOf(() => createPolicy({ backend: 'evm' }))).toBe('POLICY_BAD_CONFIG')
    const evm = { backend: 'evm', rpcUrl: 'http://127.0.0.1:9/', chainId: 31337 } as const
    expect(codeOf(() => createPolicy({ ...evm, kmsContract: '0x1234' }))).toBe('POLICY_BAD_CONFIG')
    expect(codeOf(() => createPolicy({ ...evm, rpcUrl: 'ws://x/', kmsContract: `0x${'11'.repeat(20)}` }))).toBe(
      'POLICY_BAD_CONFIG',
    )
    expect(createPolicy({ ...evm, kmsContract: `0x${'11'.repeat(20)}` }).kind).toBe('evm')
    expect(codeOf(() => createPolicy({ backend: 'webhook' }))).toBe('POLICY_BAD_CONFIG')
    expect(codeOf(() => createPolicy({ backend: 'webhook', url: 'ftp://x/' }))).toBe('POLICY_BAD_CONFIG')
    expect(createPolicy({ backend: 'webhook', url: 'http://127.0.0.1:9/' }).kind).toBe('webhook')
    expect(codeOf(() => createPolicy({ backend: 'static' }))).toBe('POLICY_BAD_CONFIG')
    expect(codeOf(() => createPolicy({ backend: 'nope' as PolicyBackend }))).toBe('POLICY_BAD_CONFIG')
    expect(codeOf(() => createPolicy({ backend: 'static', file: 'policy.yml' }))).toBe('POLICY_BAD_CONFIG')
  })
})
