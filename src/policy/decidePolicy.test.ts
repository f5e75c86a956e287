import { describe, expect, it } from 'vitest'
import { testIdentity } from '../../test/support/identity.js'
import { memoryLogger } from '../log.js'
import { decidePolicy } from './decidePolicy.js'
import type { PolicyRole } from './types.js'

const allow = { allowed: true, reason: '', gatewayAppId: 'gw' }

describe('decidePolicy (every backend decides through it)', () => {
  it('asks the backend with the boot info and logs one line per decision', async () => {
    const logger = memoryLogger()
    const seen: string[] = []
    const d = await decidePolicy({ kind: 'static', closed: false, logger }, 'app', testIdentity(), (role, boot) => {
      seen.push(`${role}:${boot.appId}`)
      return allow
    })
    expect(d).toEqual(allow)
    expect(seen).toEqual([`app:${'04'.repeat(20)}`])
    expect(logger.entries).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'policy decision',
        obj: expect.objectContaining({ allowed: true }),
      }),
    ])
  })

  it('fails closed without asking: a closed policy, an unknown role', async () => {
    const logger = memoryLogger()
    const never = () => {
      throw new Error('not asked')
    }
    const closed = await decidePolicy({ kind: 'evm', closed: true, logger }, 'kms', testIdentity(), never)
    expect(closed).toEqual({ allowed: false, reason: 'policy closed', gatewayAppId: '' })
    const odd = await decidePolicy(
      { kind: 'webhook', closed: false, logger },
      'root' as PolicyRole,
      testIdentity(),
      never,
    )
    expect(odd).toEqual({ allowed: false, reason: 'unknown role root', gatewayAppId: '' })
    expect(logger.entries.map((e) => (e.obj as { allowed: boolean }).allowed)).toEqual([false, false])
  })
})
