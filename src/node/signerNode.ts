import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { ServerOptions } from 'node:https'
import { Hono } from 'hono'
import type { Logger } from '../log.js'
import { createRaTlsIdentity } from '../net/index.js'
import {
  getBls,
  keymanagerApp,
  resolveSignerNetwork,
  SignerService,
  signerTlsOptions,
  web3signerApp,
} from '../signer/index.js'
import type { Store } from '../store/index.js'
import type { TeePlatform } from '../tee/index.js'
import { type Config, homePath } from './config.js'
import { NodeError } from './errors.js'
import type { NodeMetrics } from './metrics.js'
import { type Listening, listen } from './server.js'

export interface RunningSigner {
  service: SignerService
  api: Listening
  keymanager?: Listening
  close(): Promise<void>
}

/** The keymanager bearer token: read from its file, or created (32 random bytes, hex, mode 0600). */
export function keymanagerToken(file: string): string {
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
  const token = readFileSync(file, 'utf8').trim()
  if (token.length < 16)
    throw new NodeError('NODE_CONFIG_INVALID', `${file}: the keymanager token must be at least 16 characters`)
  return token
}

async function tlsFor(cfg: Config, tee: TeePlatform, now: number): Promise<ServerOptions | undefined> {
  const s = cfg.signer
  const read = (p: string, what: string) => {
    try {
      return readFileSync(homePath(cfg, p), 'utf8')
    } catch {
      throw new NodeError('NODE_CONFIG_INVALID', `[signer] ${what}: cannot read ${homePath(cfg, p)}`)
    }
  }
  const clientCaPem = s.tls_client_ca_file !== '' ? read(s.tls_client_ca_file, 'tls_client_ca_file') : undefined
  if (s.tls === 'none') return undefined
  if (s.tls === 'files')
    return signerTlsOptions({
      certPem: read(s.tls_cert_file, 'tls_cert_file'),
      keyPem: read(s.tls_key_file, 'tls_key_file'),
      ...(clientCaPem ? { clientCaPem } : {}),
    })
  // An RA-TLS certificate: clients that verify attestation can check which code holds the keys.
  const id = await createRaTlsIdentity({
    tee,
    subject: 'custos-signer',
    altNames: ['localhost', '127.0.0.1'],
    serverAuth: true,
    now,
  })
  return signerTlsOptions({ certPem: id.cert.pem, keyPem: id.keyPem, ...(clientCaPem ? { clientCaPem } : {}) })
}

/** Web3Signer route → a bounded metric label. */
function routeOf(path: string): string {
  if (path.startsWith('/api/v1/eth2/sign/')) return 'sign'
  const known = ['/api/v1/eth2/publicKeys', '/api/v1/eth2/highWatermark', '/upcheck', '/healthcheck', '/reload']
  if (known.includes(path)) return path.split('/').pop() as string
  if (path.startsWith('/api/v1/eth2/attestation/')) return 'attestation'
  return 'other'
}

/**
 * The Web3Signer app behind `GET /metrics` (Prometheus) and a timing middleware: requests by route and status
 * (`custos_rpc_request_duration_seconds{service="signer",method,status}`; 412 = slashing refusal).
 */
function withMetrics(inner: Hono, metrics: NodeMetrics | undefined): Hono {
  if (!metrics) return inner
  const app = new Hono()
  app.use('*', async (c, next) => {
    const t = performance.now()
    await next()
    metrics.observeRpc('signer', routeOf(c.req.path), c.res.status, (performance.now() - t) / 1000)
  })
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  )
  app.route('/', inner)
  return app
}

/** Compose the validator remote signer: service over the sealed store, Web3Signer API, keymanager API. */
export async function startSigner(
  cfg: Config,
  deps: { store: Store; tee: TeePlatform; logger: Logger; now: () => number; metrics?: NodeMetrics },
): Promise<RunningSigner> {
  const s = cfg.signer
  const logger = deps.logger.child({ module: 'signer' })
  getBls(logger) // says at start which BLS backend signs (blst, or the noble fallback and why)
  const service = new SignerService({
    store: deps.store,
    tee: deps.tee,
    network: resolveSignerNetwork({
      network: s.network,
      ...(s.genesis_validators_root ? { genesisValidatorsRoot: s.genesis_validators_root } : {}),
      ...(s.genesis_fork_version ? { genesisForkVersion: s.genesis_fork_version } : {}),
    }),
    strategy: s.slashing_strategy,
    logger,
    ...(deps.metrics ? { onSlashingCommit: deps.metrics.observeSlashingCommit } : {}),
  })
  const tls = await tlsFor(cfg, deps.tee, deps.now())
  if (!tls && !s.listen.startsWith('127.') && !s.listen.startsWith('[::1]'))
    logger.warn({ listen: s.listen }, 'signer API without TLS on a non-loopback address')
  const api = await listen(
    withMetrics(web3signerApp(service, { logger, maxBodyBytes: s.max_body_bytes }), deps.metrics),
    s.listen,
    tls,
  )
  logger.info({ url: api.url, keys: service.publicKeys().length }, 'Web3Signer API listening')
  let keymanager: Listening | undefined
  if (s.keymanager.enabled) {
    const km = s.keymanager
    const token = keymanagerToken(homePath(cfg, km.token_file))
    keymanager = await listen(
      keymanagerApp(service, { token, logger, maxBodyBytes: km.max_body_bytes, maxKeystores: km.max_keystores }),
      km.listen,
      tls,
    )
    logger.info({ url: keymanager.url, tokenFile: homePath(cfg, km.token_file) }, 'keymanager API listening')
  }
  return {
    service,
    api,
    ...(keymanager ? { keymanager } : {}),
    async close() {
      await api.close()
      await keymanager?.close()
      await service.close()
    },
  }
}
