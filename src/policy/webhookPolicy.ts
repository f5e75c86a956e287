import { z } from 'zod'
import type { Identity } from '../attestation/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { decidePolicy, deny } from './decidePolicy.js'
import { PolicyError } from './errors.js'
import type { Policy, PolicyDecision, PolicyInfo, PolicyRole } from './types.js'
import { callWebhook, describeFetchError } from './webhookHttp.js'
import { joinWebhookUrl, parseWebhookUrl, type WebhookUrl } from './webhookUrl.js'

/** Every deny caused by the backend (not by the policy) starts with this. */
export const WEBHOOK_UNAVAILABLE = 'authorization backend unavailable'
export const WEBHOOK_DEFAULT_TIMEOUT_MS = 5000

/** The bootAuth answer; all three fields are required, as dstack's KMS deserializer requires them. */
export const BootAuthResponseSchema = z.object({
  isAllowed: z.boolean(),
  reason: z.string(),
  gatewayAppId: z.string(),
})

/** `GET /`; dstack requires every field but `ethRpcUrl`. */
export const AuthInfoResponseSchema = z.object({
  status: z.string(),
  kmsContractAddr: z.string(),
  gatewayAppId: z.string(),
  chainId: z.number(),
  appImplementation: z.string(),
  ethRpcUrl: z.string().optional(),
})

export interface WebhookPolicyOptions {
  /** the dstack auth API base URL (auth-eth, auth-simple or `custos policy serve`); may carry `user:pass@` */
  url: string
  /** per-call deadline in ms (default 5000) */
  timeoutMs?: number
  logger?: Logger
}

/**
 * dstack `auth_api.type = "webhook"`: every check POSTs the dstack boot info to `<url>/bootAuth/app` or
 * `<url>/bootAuth/kms`. Decisions are never cached. Anything but a well-formed 2xx answer (refused,
 * timeout, HTTP error, bad JSON, missing field) is a deny "authorization backend unavailable: <cause>".
 * The URL's credentials are sent as Basic auth and never logged.
 */
export class WebhookPolicy implements Policy {
  readonly kind = 'webhook' as const
  readonly #url: WebhookUrl
  readonly #timeoutMs: number
  readonly #log: Logger
  #closed = false

  constructor(opts: WebhookPolicyOptions) {
    this.#url = parseWebhookUrl(opts.url)
    const t = opts.timeoutMs ?? WEBHOOK_DEFAULT_TIMEOUT_MS
    if (!Number.isInteger(t) || t < 1 || t > 600_000)
      throw new PolicyError('POLICY_BAD_CONFIG', 'the webhook policy timeout must be 1..600000 ms', { timeoutMs: t })
    this.#timeoutMs = t
    this.#log = opts.logger ?? nullLogger
  }

  /** The base URL without credentials, query or fragment (for status pages). */
  get url(): string {
    return this.#url.redacted
  }

  async check(role: PolicyRole, identity: Identity): Promise<PolicyDecision> {
    return decidePolicy(
      { kind: this.kind, closed: this.#closed, logger: this.#log },
      role,
      identity,
      async (r, boot) => {
        try {
          const a = await callWebhook(
            joinWebhookUrl(this.#url.base, r === 'app' ? 'bootAuth/app' : 'bootAuth/kms'),
            { method: 'POST', body: boot, authorization: this.#url.authorization, timeoutMs: this.#timeoutMs },
            BootAuthResponseSchema,
          )
          return { allowed: a.isAllowed === true, reason: a.reason, gatewayAppId: a.gatewayAppId }
        } catch (e) {
          const cause = describeFetchError(e, this.#timeoutMs)
          this.#log.error({ policy: this.kind, role: r, url: this.#url.redacted, cause }, WEBHOOK_UNAVAILABLE)
          return deny(`${WEBHOOK_UNAVAILABLE}: ${cause}`)
        }
      },
    )
  }

  /** `GET <url>`. Throws POLICY_AUTH_UNAVAILABLE (with the short cause) when the answer is missing or malformed. */
  async info(): Promise<PolicyInfo> {
    try {
      const r = await callWebhook(
        this.#url.base,
        { method: 'GET', authorization: this.#url.authorization, timeoutMs: this.#timeoutMs },
        AuthInfoResponseSchema,
      )
      return {
        gatewayAppId: r.gatewayAppId,
        kmsContractAddr: r.kmsContractAddr,
        chainId: r.chainId,
        appImplementation: r.appImplementation,
      }
    } catch (e) {
      const cause = describeFetchError(e, this.#timeoutMs)
      this.#log.error({ policy: this.kind, url: this.#url.redacted, cause }, `${WEBHOOK_UNAVAILABLE} (info)`)
      throw new PolicyError('POLICY_AUTH_UNAVAILABLE', `${WEBHOOK_UNAVAILABLE}: ${this.#url.redacted}: ${cause}`, {
        url: this.#url.redacted,
      })
    }
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}
