import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { explain } from '../errors.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { BootAuthRequestSchema, bootInfoFromRequest, identityFromBootInfo } from './authServerRequest.js'
import type { Policy, PolicyRole } from './types.js'

export interface AuthAppOptions {
  logger?: Logger
  /** largest request body accepted (default 64 KiB) */
  maxBodyBytes?: number
}

export const AUTH_INVALID_REQUEST = 'invalid authorization request'
export const AUTH_BACKEND_UNAVAILABLE = 'authorization backend unavailable'
const DEFAULT_MAX_BODY = 64 * 1024

/**
 * A Custos policy served as a dstack auth API (the `auth-eth` / `auth-simple` webhook), so a dstack KMS or
 * another Custos (`backend = "webhook"`) can be governed by it:
 * - `POST /bootAuth/app`, `POST /bootAuth/kms`: dstack `PolicyBootInfo` JSON → `{isAllowed, reason, gatewayAppId}`.
 *   Invalid body → 400 `{isAllowed:false, reason:"invalid authorization request", gatewayAppId:""}`; a policy
 *   that throws → 200 `{isAllowed:false, reason:"authorization backend unavailable", gatewayAppId:""}`.
 * - `GET /`: `{status:"ok", kmsContractAddr, gatewayAppId, chainId, appAuthImplementation, appImplementation}`.
 * Responses never echo the request. The policy logs its decisions; this app logs only failures.
 */
export function createAuthApp(policy: Policy, opts: AuthAppOptions = {}): Hono {
  const log = opts.logger ?? nullLogger
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY
  const app = new Hono()
  const invalid = { isAllowed: false, reason: AUTH_INVALID_REQUEST, gatewayAppId: '' }

  app.use(
    '/bootAuth/*',
    bodyLimit({
      maxSize: maxBody,
      onError: (c) => c.json({ ...invalid, reason: `${AUTH_INVALID_REQUEST}: body too large` }, 413),
    }),
  )

  const bootAuth = (role: PolicyRole) =>
    app.post(`/bootAuth/${role}`, async (c) => {
      let doc: unknown
      try {
        doc = JSON.parse(await c.req.text())
      } catch {
        return c.json(invalid, 400)
      }
      const parsed = BootAuthRequestSchema.safeParse(doc)
      if (!parsed.success) return c.json(invalid, 400)
      try {
        const d = await policy.check(role, identityFromBootInfo(bootInfoFromRequest(parsed.data)))
        // an undecidable policy's reason names files and parser errors: logged by the policy, not sent out
        const reason = d.unavailable ? AUTH_BACKEND_UNAVAILABLE : d.reason
        return c.json({ isAllowed: d.allowed === true, reason, gatewayAppId: d.gatewayAppId })
      } catch (e) {
        log.error({ policy: policy.kind, role, error: explain(e) }, 'policy check failed: denying')
        return c.json({ isAllowed: false, reason: AUTH_BACKEND_UNAVAILABLE, gatewayAppId: '' })
      }
    })
  bootAuth('app')
  bootAuth('kms')

  app.get('/', async (c) => {
    try {
      const i = await policy.info()
      return c.json({
        status: 'ok',
        kmsContractAddr: i.kmsContractAddr,
        gatewayAppId: i.gatewayAppId,
        chainId: i.chainId,
        appAuthImplementation: i.appImplementation,
        appImplementation: i.appImplementation,
      })
    } catch (e) {
      log.error({ policy: policy.kind, error: explain(e) }, 'policy info failed')
      return c.json({ status: 'error', reason: AUTH_BACKEND_UNAVAILABLE }, 503)
    }
  })

  app.notFound((c) => c.json({ error: 'not found: use POST /bootAuth/app, POST /bootAuth/kms or GET /' }, 404))
  app.onError((e, c) => {
    log.error({ error: explain(e) }, 'auth API error')
    return c.json({ isAllowed: false, reason: AUTH_BACKEND_UNAVAILABLE, gatewayAppId: '' }, 500)
  })
  return app
}
