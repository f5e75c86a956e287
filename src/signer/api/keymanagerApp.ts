import { createHash, timingSafeEqual } from 'node:crypto'
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { type Logger, nullLogger } from '../../log.js'
import { type SignerService, SignerServiceError } from '../service/index.js'
import { headAsGet } from './headRequests.js'
import { answerError, badRequestFromZod, notFoundResponse, readJsonBody } from './httpErrors.js'
import { methodNotAllowed } from './methodNotAllowed.js'

export interface KeymanagerAppOptions {
  /** Bearer token clients must send (`Authorization: Bearer <token>`); at least 16 characters. */
  token: string
  logger?: Logger
  /** Largest request body in bytes; default 8 MiB (keystores plus a slashing interchange). */
  maxBodyBytes?: number
  /** Most keystores per import request (each costs a KDF run); default 64. */
  maxKeystores?: number
}

export const DEFAULT_KEYMANAGER_BODY_LIMIT = 8 * 1024 * 1024
const PUBKEY = /^0x[a-fA-F0-9]{96}$/

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/** Bearer auth: 401 without a token, 403 with a wrong one (Keymanager API); compared in constant time. */
function bearer(token: string): MiddlewareHandler {
  const expected = digest(token)
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const m = /^Bearer +(\S+) *$/i.exec(header)
    if (!m) {
      c.header('WWW-Authenticate', 'Bearer')
      throw new SignerServiceError(
        'SIGNER_UNAUTHORIZED',
        'send the keymanager token as "Authorization: Bearer <token>"',
      )
    }
    if (!timingSafeEqual(digest(m[1] as string), expected)) {
      throw new SignerServiceError('SIGNER_FORBIDDEN', 'the keymanager token is wrong')
    }
    await next()
  }
}

/**
 * Keymanager API (ethereum/keymanager-APIs `/eth/v1/keystores`, remote-signer.md §1.6), bearer-protected:
 * - GET → `{data:[{validating_pubkey, derivation_path, readonly:false}]}`
 * - POST `{keystores: string[], passwords: string[], slashing_protection?: string}` → `{data:[{status, message?}]}`
 *   (imported | duplicate | error, in request order). A bad `slashing_protection` rejects the whole request (400).
 * - DELETE `{pubkeys: string[]}` → `{data:[{status, message?}], slashing_protection: string}` (deleted | not_active |
 *   not_found | error) with the EIP-3076 interchange of the deleted and not_active keys.
 * - POST `/custos/v1/signer/keys` (Custos extension): generate a key inside the TEE → 201
 *   `{data:{validating_pubkey, derivation_path, attestation}}`.
 * Errors are `{message}` with 400/401/403/413/500; an unknown path is a JSON 404 `{error, message}`; a client that
 * closes the connection mid-body is answered 499 and logged at debug.
 */
export function keymanagerApp(service: SignerService, opts: KeymanagerAppOptions): Hono {
  if (typeof opts.token !== 'string' || opts.token.length < 16) {
    throw new SignerServiceError('SIGNER_BAD_CONFIG', 'the keymanager token must be at least 16 characters')
  }
  const log = (opts.logger ?? nullLogger).child({ module: 'keymanager-api' })
  const maxSize = opts.maxBodyBytes ?? DEFAULT_KEYMANAGER_BODY_LIMIT
  const maxKeystores = opts.maxKeystores ?? 64
  const importBody = z
    .object({
      keystores: z.array(z.string().max(64 * 1024)).max(maxKeystores),
      passwords: z.array(z.string().max(4096)),
      slashing_protection: z.string().optional(),
    })
    .refine((b) => b.keystores.length === b.passwords.length, {
      message: 'keystores and passwords must have the same length',
      path: ['passwords'],
    })
  const deleteBody = z.object({ pubkeys: z.array(z.string().regex(PUBKEY, 'expected 0x-hex of 48 bytes')).max(10_000) })

  const app = new Hono()
  app.onError((err, c) => answerError(c, err, log, true))
  app.notFound(notFoundResponse)
  app.get('*', headAsGet) // HEAD is routed as GET
  app.use('*', bearer(opts.token))
  app.get('/eth/v1/keystores', (c) =>
    c.json({
      data: service.listKeys().map((k) => ({ validating_pubkey: k.pubkey, derivation_path: k.path, readonly: false })),
    }),
  )

  app.post('/eth/v1/keystores', async (c) => {
    const parsed = importBody.safeParse(await readJsonBody(c, maxSize))
    if (!parsed.success) throw badRequestFromZod(parsed.error)
    const { keystores, passwords, slashing_protection } = parsed.data
    const items = keystores.map((keystore, i) => ({ keystore, password: passwords[i] as string }))
    const data = await service.importKeystores(items, slashing_protection)
    log.info(
      { imported: data.filter((d) => d.status === 'imported').length, requested: items.length },
      'keystore import',
    )
    return c.json({ data })
  })

  app.delete('/eth/v1/keystores', async (c) => {
    const parsed = deleteBody.safeParse(await readJsonBody(c, maxSize))
    if (!parsed.success) throw badRequestFromZod(parsed.error)
    const result = await service.deleteKeys(parsed.data.pubkeys)
    return c.json({ data: result.data, slashing_protection: JSON.stringify(result.slashingProtection) })
  })

  app.post('/custos/v1/signer/keys', async (c) => {
    const k = await service.generateKey()
    return c.json({ data: { validating_pubkey: k.pubkey, derivation_path: k.path, attestation: k.attestation } }, 201)
  })
  methodNotAllowed(app, '/eth/v1/keystores', ['GET', 'POST', 'DELETE'])
  methodNotAllowed(app, '/custos/v1/signer/keys', ['POST'])

  return app
}
