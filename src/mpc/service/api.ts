/**
 * The committee HTTP API (NEAR chain-signature shapes where NEAR has them, near-mpc.md §1.3, §7):
 *
 *   POST /mpc/v1/sign  {"request":{"path","payload_v2":{"Eddsa":hex}|{"Ecdsa":hex},"domain_id"}}
 *        (legacy: "payload": [32 ints] = Ecdsa, "key_version" for "domain_id")
 *     → Ed25519         {"scheme":"Ed25519","signature":[64 ints]}          RFC 8032 under the derived key
 *     → Bip340          {"scheme":"Bip340","signature":"<hex 64>","public_key":"<hex 32 x-only>"}
 *     → Secp256k1Frost  {"scheme":"Secp256k1Frost","signature":"<hex 65: R compressed ‖ z>","public_key":"<hex 33>"}
 *   GET /mpc/v1/public_key?domain_id=            {"domain_id","scheme","public_key":"<NEAR key string or hex>","public_key_hex"}
 *   GET /mpc/v1/derived_public_key?predecessor=&path=&domain_id=   same shape for the derived key
 *   GET /mpc/v1/state                            epoch, participants, threshold, domains, online peers, status
 *   GET /public_data                             node key, p2p key, attestation summary
 *   GET /metrics, GET /health
 *
 * The caller's predecessor comes from `callerOf` (a token mapped in the config, or an attested app:<app id>).
 * Errors: `{"error": message, "code": CODE}` with 400 (malformed), 401, 403 (policy), 404, 503 (fails fast when
 * fewer than t members are online).
 */
import type { IncomingMessage } from 'node:http'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { fromHex, toHex } from '../../crypto/index.js'
import { CustosError, httpErrorOf, jsonErrorBody } from '../../errors.js'
import type { Logger } from '../../log.js'
import { formatNearPublicKey } from '../derive/nearKey.js'
import type { SchemeId } from '../types.js'
import type { CommitteeService } from './committeeService.js'
import { CommitteeError } from './errors.js'

type Env = { Bindings: { incoming: IncomingMessage } }

export interface MpcApiOptions {
  service: CommitteeService
  logger: Logger
  /** the predecessor of this request, or undefined when the caller is not authenticated */
  callerOf(req: Request, incoming: IncomingMessage | undefined): Promise<string | undefined>
  publicData(): Promise<Record<string, unknown>> | Record<string, unknown>
  /** record one request (route, status, seconds) */
  observe?(route: string, status: number, seconds: number): void
  metrics?: () => Promise<{ contentType: string; body: string }>
  simulated: boolean
  maxBodyBytes?: number
}

const hexString = z.string().regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'expected hex bytes')
const u64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const SignBody = z
  .object({
    request: z
      .object({
        path: z.string().max(1024),
        payload_v2: z
          .union([z.object({ Eddsa: hexString }).strict(), z.object({ Ecdsa: hexString }).strict()])
          .optional(),
        payload: z.array(z.number().int().min(0).max(255)).length(32).optional(),
        domain_id: u64.optional(),
        key_version: u64.optional(),
      })
      .strict()
      .superRefine((r, ctx) => {
        if ((r.payload_v2 === undefined) === (r.payload === undefined))
          ctx.addIssue({ code: 'custom', message: 'give exactly one of payload_v2 and payload', path: ['payload_v2'] })
        if (r.domain_id !== undefined && r.key_version !== undefined)
          ctx.addIssue({ code: 'custom', message: 'give domain_id or key_version, not both', path: ['domain_id'] })
      }),
  })
  .strict()

export type SignBody = z.infer<typeof SignBody>

/** Parse the payload of a sign request: its kind and bytes. */
export function payloadOf(r: SignBody['request']): { kind: 'Eddsa' | 'Ecdsa'; bytes: Uint8Array } {
  if (r.payload) return { kind: 'Ecdsa', bytes: Uint8Array.from(r.payload) }
  const p = r.payload_v2!
  if ('Eddsa' in p) return { kind: 'Eddsa', bytes: fromHex(p.Eddsa.replace(/^0x/, '').toLowerCase()) }
  return { kind: 'Ecdsa', bytes: fromHex(p.Ecdsa.replace(/^0x/, '').toLowerCase()) }
}

/** The JSON response of a signature (see the file comment). */
export function signatureJson(scheme: SchemeId, signature: Uint8Array, publicKey: Uint8Array): Record<string, unknown> {
  if (scheme === 'Ed25519') return { scheme, signature: [...signature] }
  return { scheme, signature: toHex(signature), public_key: toHex(publicKey) }
}

function keyJson(domainId: number, scheme: SchemeId, publicKey: Uint8Array): Record<string, unknown> {
  const near =
    scheme === 'Ed25519'
      ? formatNearPublicKey('ed25519', publicKey)
      : scheme === 'Secp256k1Frost'
        ? formatNearPublicKey('secp256k1', secp256k1.Point.fromBytes(publicKey).toBytes(false))
        : undefined
  return { domain_id: domainId, scheme, public_key: near ?? toHex(publicKey), public_key_hex: toHex(publicKey) }
}

const describe = (issues: Array<{ path: PropertyKey[]; message: string }>) =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ')

const domainQuery = (v: string | undefined, fallback?: number): number => {
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback
    throw new CommitteeError('MPC_BAD_REQUEST', 'domain_id is required')
  }
  if (!/^\d{1,10}$/.test(v)) throw new CommitteeError('MPC_BAD_REQUEST', 'domain_id must be a non-negative integer')
  return Number(v)
}

export function createMpcApp(o: MpcApiOptions): Hono<Env> {
  const app = new Hono<Env>()
  const svc = o.service
  const tee = o.simulated ? { tee: 'simulated' } : {}
  const answer = (c: Context<Env>, e: unknown, route: string) => {
    const a = httpErrorOf(e)
    if (a.errorId === undefined)
      o.logger.info({ route, code: a.code, status: a.status, err: a.message }, 'mpc request refused')
    else o.logger.error({ route, errorId: a.errorId, err: (e as Error)?.message }, 'mpc request failed')
    return { status: a.status, res: c.json(jsonErrorBody(a), a.status as 400) }
  }
  const timed =
    (route: string, h: (c: Context<Env>) => Promise<Response>) =>
    async (c: Context<Env>): Promise<Response> => {
      const t0 = performance.now()
      let status = 200
      try {
        const r = await h(c)
        status = r.status
        return r
      } catch (e) {
        const a = answer(c, e, route)
        status = a.status
        return a.res
      } finally {
        o.observe?.(route, status, (performance.now() - t0) / 1000)
      }
    }

  app.use(
    '/mpc/*',
    bodyLimit({
      maxSize: o.maxBodyBytes ?? 64 * 1024,
      onError: (c) => c.json({ error: 'request body too large', code: 'MPC_BAD_REQUEST' }, 413),
    }),
  )

  app.post(
    '/mpc/v1/sign',
    timed('sign', async (c) => {
      const predecessor = await o.callerOf(c.req.raw, c.env?.incoming)
      if (predecessor === undefined)
        throw new CommitteeError(
          'MPC_UNAUTHENTICATED',
          'authenticate with "Authorization: Bearer <token>" or as an attested app over mutual TLS',
        )
      let json: unknown
      try {
        json = JSON.parse(await c.req.text())
      } catch {
        throw new CommitteeError('MPC_BAD_REQUEST', 'the request body is not valid JSON')
      }
      const parsed = SignBody.safeParse(json)
      if (!parsed.success)
        throw new CommitteeError('MPC_BAD_REQUEST', `invalid sign request: ${describe(parsed.error.issues)}`)
      const r = parsed.data.request
      const domainId = r.domain_id ?? r.key_version ?? 0
      const d = svc.domain(domainId)
      const payload = payloadOf(r)
      if (d.scheme === 'Ed25519' && payload.kind !== 'Eddsa')
        throw new CommitteeError('MPC_BAD_REQUEST', `domain ${domainId} is Ed25519: send payload_v2.Eddsa`)
      if (d.scheme !== 'Ed25519' && payload.kind !== 'Ecdsa')
        throw new CommitteeError(
          'MPC_BAD_REQUEST',
          `domain ${domainId} is ${d.scheme}: send payload_v2.Ecdsa (32-byte hex)`,
        )
      const out = await svc.sign({ domainId, predecessor, path: r.path, message: payload.bytes })
      return c.json({ ...signatureJson(out.scheme, out.signature, out.publicKey), ...tee }, 200)
    }),
  )

  app.get(
    '/mpc/v1/public_key',
    timed('public_key', async (c) => {
      const id = domainQuery(c.req.query('domain_id'), 0)
      const k = svc.publicKey(id)
      return c.json({ ...keyJson(id, k.scheme, k.publicKey), ...tee }, 200)
    }),
  )

  app.get(
    '/mpc/v1/derived_public_key',
    timed('derived_public_key', async (c) => {
      const id = domainQuery(c.req.query('domain_id'), 0)
      const predecessor = c.req.query('predecessor')
      const path = c.req.query('path') ?? ''
      if (!predecessor) throw new CommitteeError('MPC_BAD_REQUEST', 'predecessor is required')
      const k = svc.derivedPublicKey(id, predecessor, path)
      return c.json({ ...keyJson(id, k.scheme, k.publicKey), predecessor, path, ...tee }, 200)
    }),
  )

  app.get(
    '/mpc/v1/state',
    timed('state', async (c) => c.json({ ...svc.status(), ...tee }, 200)),
  )

  app.get(
    '/public_data',
    timed('public_data', async (c) => c.json({ ...(await o.publicData()), ...tee }, 200)),
  )

  app.get('/health', (c) => c.text('OK'))
  if (o.metrics) {
    const m = o.metrics
    app.get('/metrics', async (c) => {
      const r = await m()
      return c.body(r.body, 200, { 'Content-Type': r.contentType })
    })
  }
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError((e, c) => {
    const a = httpErrorOf(e instanceof CustosError ? e : e)
    o.logger.error({ errorId: a.errorId, err: e.message }, 'mpc request failed')
    return c.json(jsonErrorBody(a), a.status as 500)
  })
  return app
}
