/**
 * Who an attested app calling the committee API over mutual RA-TLS is: the predecessor `app:<app id hex>`, but only
 * when the identity policy admits it in role `app` — as the KMS asks before it releases an app's keys. Evidence
 * says which code runs; the policy says it is that app (an own OS image can measure any app id). Evidence without
 * a measured app id (SGX, a TDX guest outside dstack) names no app: as "app:" every such workload would be one
 * predecessor sharing its derived keys. One verdict per connection (the evidence is verified once per connection).
 */
import type { TLSSocket } from 'node:tls'
import type { Identity } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import type { Logger } from '../log.js'
import type { Policy } from '../policy/index.js'

export function createAppCaller(deps: {
  verifySocket(socket: TLSSocket): Promise<{ identity: Identity } | undefined>
  policy: Pick<Policy, 'check'>
  logger: Logger
}): (socket: TLSSocket) => Promise<string | undefined> {
  const verdicts = new WeakMap<TLSSocket, Promise<string | undefined>>()
  const decide = async (socket: TLSSocket): Promise<string | undefined> => {
    const peer = await deps.verifySocket(socket).catch(() => undefined)
    if (!peer || peer.identity.appId.length === 0) return undefined
    const appId = toHex(peer.identity.appId)
    const d = await deps.policy.check('app', peer.identity).catch((e: unknown) => ({
      allowed: false,
      reason: e instanceof Error ? e.message : 'policy check failed',
    }))
    if (!d.allowed) {
      deps.logger.warn({ appId, reason: d.reason }, 'mpc API caller refused: policy role app does not admit this app')
      return undefined
    }
    return `app:${appId}`
  }
  return (socket) => {
    let v = verdicts.get(socket)
    if (!v) {
      v = decide(socket)
      verdicts.set(socket, v)
    }
    return v
  }
}
