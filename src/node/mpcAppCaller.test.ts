import type { TLSSocket } from 'node:tls'
import { describe, expect, it } from 'vitest'
import type { Identity } from '../attestation/index.js'
import { memoryLogger } from '../log.js'
import type { PolicyDecision, PolicyRole } from '../policy/index.js'
import { createAppCaller } from './mpcAppCaller.js'

const identity = (appId: Uint8Array) => ({ appId }) as unknown as Identity
const socket = () => ({}) as TLSSocket

describe('createAppCaller', () => {
  it('an attested app is app:<id> only when policy role app admits it; one verdict per connection', async () => {
    const asked: Array<[PolicyRole, string]> = []
    const log = memoryLogger()
    const allowed = new Uint8Array(20).fill(0xaa)
    const refused = new Uint8Array(20).fill(0xbb)
    const caller = createAppCaller({
      verifySocket: async (s) => (s as unknown as { id?: Uint8Array }).id && identityOf(s),
      policy: {
        check: async (role, id) => {
          asked.push([role, Buffer.from(id.appId).toString('hex')])
          return (
            id.appId[0] === 0xaa
              ? { allowed: true, reason: '' }
              : { allowed: false, reason: 'App not allowed: app id not registered' }
          ) as PolicyDecision
        },
      },
      logger: log,
    })
    const identityOf = (s: TLSSocket) => ({ identity: identity((s as unknown as { id: Uint8Array }).id) })
    const a = Object.assign(socket(), { id: allowed })
    expect(await caller(a)).toBe(`app:${'aa'.repeat(20)}`)
    expect(await caller(a)).toBe(`app:${'aa'.repeat(20)}`)
    expect(asked).toEqual([['app', 'aa'.repeat(20)]]) // cached for the connection
    const b = Object.assign(socket(), { id: refused })
    expect(await caller(b)).toBeUndefined()
    expect(log.entries.some((e) => e.level === 'warn' && /policy role app does not admit/.test(e.msg))).toBe(true)
    // no verified evidence, or evidence without an app id: no app
    expect(await caller(socket())).toBeUndefined()
    expect(await caller(Object.assign(socket(), { id: new Uint8Array(0) }))).toBeUndefined()
    // a policy that fails closes the door
    const failing = createAppCaller({
      verifySocket: async () => ({ identity: identity(allowed) }),
      policy: {
        check: async () => {
          throw new Error('rpc down')
        },
      },
      logger: log,
    })
    expect(await failing(socket())).toBeUndefined()
  })
})
