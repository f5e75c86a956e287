import { Hono } from 'hono'
import { toHex } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import type { SignerService } from '../service/index.js'
import { headAsGet } from './headRequests.js'
import { healthcheckBody } from './healthcheckBody.js'
import {
  acceptsJson,
  answerError,
  logIfUnexpected,
  notFoundResponse,
  readJsonBody,
  requestHeader,
} from './httpErrors.js'
import { methodNotAllowed } from './methodNotAllowed.js'

/** What the node's metrics registry gives the signing listener. */
export interface SignerApiMetrics {
  /**
   * One finished request: a bounded route label (`sign`, `publicKeys`, `upcheck`, …, `other`), its HTTP status
   * (412 = slashing refusal, 499 = the client went away mid-request) and the seconds it took.
   */
  observe(route: string, status: number, seconds: number): void
  /** The Prometheus exposition served at `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>
}

export interface Web3SignerAppOptions {
  logger?: Logger
  /** Largest sign request body in bytes; default 256 KiB (a full block with blobs commitments fits easily). */
  maxBodyBytes?: number
  /** When set: every request is timed into it and `GET /metrics` serves it. */
  metrics?: SignerApiMetrics
}

export const DEFAULT_SIGN_BODY_LIMIT = 256 * 1024

const KNOWN_ROUTES = new Set([
  '/api/v1/eth2/publicKeys',
  '/api/v1/eth2/highWatermark',
  '/upcheck',
  '/healthcheck',
  '/reload',
])

/** Request path → a bounded metric label (a client cannot blow up label cardinality). */
function routeOf(path: string): string {
  if (path.startsWith('/api/v1/eth2/sign/')) return 'sign'
  if (KNOWN_ROUTES.has(path)) return path.split('/').pop() as string
  if (path.startsWith('/api/v1/eth2/attestation/')) return 'attestation'
  return 'other'
}

/**
 * Web3Signer-compatible eth2 API (Consensys/web3signer openapi-specs/eth2; remote-signer.md §1):
 *
 * - `POST /api/v1/eth2/sign/{pubkey}`: 200 signature (`{"signature":"0x…"}` when Accept has application/json or
 *   *\/*, else the bare 0x-hex as text/plain); 400 bad body / signingRoot mismatch / wrong network; 404 unknown
 *   key (also an identifier that is not a 48-byte hex key, as Web3Signer); 412 slashing protection (including
 *   the high watermark); 413 body too large. Errors are `{message}` or text, by the same Accept rule. A
 *   `signingRoot` that differs from the computed root is 400 here (Web3Signer's checkArgument fails outside its
 *   400 path, i.e. 500).
 *   BLS_TO_EXECUTION_CHANGE (a Lodestar type, not in Web3Signer's spec) is signed too.
 * - `GET /api/v1/eth2/publicKeys`: bare JSON array of 0x-hex keys.
 * - `GET /api/v1/eth2/highWatermark`: `{epoch, slot}` (decimal strings) of the operator-set high watermark, `{}`
 *   when none is set (`SignerService.setHighWatermark`).
 * - `GET /api/v1/eth2/attestation/{pubkey}` (Custos extension): the key's attestation, see `KeyAttestation`.
 * - `GET /upcheck`: `{"status":"OK"}` for Accept: application/json (Lodestar), `OK` text otherwise.
 * - `GET /healthcheck`: 200/503 `{status, checks:[{id,status}], outcome}` with Web3Signer's check ids.
 * - `POST /reload` → 202 `{status:"accepted", message}` (409 `{status:"error"}` while one runs); `GET /reload` →
 *   `{status, lastOperationTime? (ISO-8601), lastError?}`.
 * - `GET /metrics` (with `metrics`): Prometheus text.
 *
 * `HEAD` works on every GET route (status and headers, no body). Unknown paths answer a JSON 404
 * `{error, message}`; a known path asked with another method answers 405 with `Allow`. A client that closes the
 * connection mid-body is answered 499 (counted so, logged at debug).
 */
export function web3signerApp(service: SignerService, opts: Web3SignerAppOptions = {}): Hono {
  const log = (opts.logger ?? nullLogger).child({ module: 'signer-api' })
  const maxSize = opts.maxBodyBytes ?? DEFAULT_SIGN_BODY_LIMIT
  const app = new Hono()
  const wantsJson = (accept: string | undefined) => acceptsJson(accept, true)

  app.onError((err, c) => answerError(c, err, log, wantsJson(requestHeader(c, 'accept'))))
  app.notFound(notFoundResponse)
  const metrics = opts.metrics
  if (metrics) {
    app.use('*', async (c, next) => {
      const t = performance.now()
      await next()
      metrics.observe(routeOf(c.req.path), c.res.status, (performance.now() - t) / 1000)
    })
  }
  app.get('*', headAsGet) // HEAD is routed as GET; the signing POSTs skip it
  if (metrics) {
    app.get('/metrics', async (c) => {
      const m = await metrics.render()
      return c.body(m.body, 200, { 'Content-Type': m.contentType })
    })
  }

  app.post('/api/v1/eth2/sign/:identifier', async (c) => {
    const body = await readJsonBody(c, maxSize)
    const signature = `0x${toHex(await service.sign(c.req.param('identifier'), body))}`
    if (wantsJson(requestHeader(c, 'accept'))) return c.json({ signature })
    return c.text(signature)
  })

  app.get('/api/v1/eth2/publicKeys', (c) => c.json(service.publicKeys()))
  // Web3Signer HighWatermarkHandler: {epoch, slot} as decimal strings, or {} when none is set.
  app.get('/api/v1/eth2/highWatermark', (c) => {
    const hw = service.highWatermark()
    return c.json(hw ? { epoch: hw.epoch.toString(), slot: hw.slot.toString() } : {})
  })
  app.get('/api/v1/eth2/attestation/:pubkey', (c) => {
    const a = service.keyAttestation(c.req.param('pubkey'))
    return c.json({
      pubkey: a.pubkey,
      report_data: a.reportData,
      attestation: a.attestation,
      platform: a.platform,
      simulated: a.simulated,
    })
  })

  app.get('/upcheck', (c) => (acceptsJson(c.req.header('accept'), false) ? c.json({ status: 'OK' }) : c.text('OK')))

  app.get('/healthcheck', (c) => {
    const h = service.health()
    return c.json(healthcheckBody(h), h.ok ? 200 : 503)
  })

  app.post('/reload', async (c) => {
    if (service.reloadStatus().status === 'running') {
      return c.json({ status: 'error', message: 'a reload is already running; try again later' }, 409)
    }
    void service.reload().catch((e) => logIfUnexpected(log, e, '/reload'))
    return c.json({ status: 'accepted', message: 'reload of the stored keys started; GET /reload for its status' }, 202)
  })
  app.get('/reload', (c) => {
    const { keys: _keys, lastOperationTime, ...status } = service.reloadStatus()
    // Web3Signer's reload.yaml: lastOperationTime is an ISO-8601 date-time string, absent before any reload.
    return c.json(
      lastOperationTime === undefined
        ? status
        : { ...status, lastOperationTime: new Date(lastOperationTime).toISOString() },
    )
  })

  methodNotAllowed(app, '/api/v1/eth2/sign/:identifier', ['POST'])
  for (const path of ['/api/v1/eth2/publicKeys', '/api/v1/eth2/highWatermark', '/upcheck', '/healthcheck']) {
    methodNotAllowed(app, path, ['GET'])
  }
  methodNotAllowed(app, '/api/v1/eth2/attestation/:pubkey', ['GET'])
  methodNotAllowed(app, '/reload', ['GET', 'POST'])
  if (metrics) methodNotAllowed(app, '/metrics', ['GET'])

  return app
}
