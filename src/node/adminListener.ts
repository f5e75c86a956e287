import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { checkAdminToken, type KmsService } from '../kms/index.js'
import type { Logger } from '../log.js'
import { isLoopbackHost } from '../net/index.js'
import { type Config, homePath } from './config.js'
import { NodeError } from './errors.js'
import type { NodeMetrics } from './metrics.js'
import { createPrpcApp } from './prpc.js'
import { type Listening, listen, parseListen } from './server.js'

const where = '[kms.admin] token_file'

/**
 * The admin token: read from its file, or created (32 random bytes, hex, mode 0600). Same rules as the keymanager
 * token (signerNode.ts): a host-side bearer credential the operator's tools read, so it cannot be sealed; it must
 * at least be private to its owner, so a file group or others can read or write is refused.
 */
export function adminToken(file: string): string {
  try {
    // 'wx': never follow or overwrite something created meanwhile; mode 0600 (the umask only removes bits)
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EEXIST')
      throw new NodeError(
        'NODE_CONFIG_INVALID',
        `${where}: cannot create ${file} (${code ?? 'error'}); check that its directory exists and is writable`,
      )
  }
  let mode: number
  let token: string
  try {
    const st = statSync(file)
    if (!st.isFile()) throw new NodeError('NODE_CONFIG_INVALID', `${where}: ${file} is not a regular file`)
    mode = st.mode & 0o777
    token = readFileSync(file, 'utf8').trim()
  } catch (e) {
    if (e instanceof NodeError) throw e
    throw new NodeError('NODE_CONFIG_INVALID', `${where}: cannot read ${file}`)
  }
  // POSIX permissions only: on Windows the mode bits do not describe who can read the file.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw new NodeError(
      'NODE_CONFIG_INVALID',
      `${file}: the KMS admin token file is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `it is the bearer credential of the admin API: run \`chmod 600 ${file}\` and start again`,
    )
  if (token.length < 16 || /\s/.test(token))
    throw new NodeError(
      'NODE_CONFIG_INVALID',
      `${file}: the KMS admin token must be one word of at least 16 characters`,
    )
  return token
}

/**
 * dstack's KMS admin listener (`[core.admin]`): the `Admin` prpc service (ClearImageCache) on its own plain-HTTP
 * address, every request authenticated by the admin token (dstack: shared token; no attestation). Separate from
 * the KMS listener so the operator API is never exposed where apps connect. The token crosses the wire in clear,
 * so a non-loopback address is refused unless --dev (then warned).
 */
export async function startAdminListener(
  cfg: Config,
  deps: { kms: KmsService; logger: Logger; metrics: NodeMetrics; simulated: boolean; dev: boolean },
): Promise<Listening> {
  const a = cfg.kms.admin
  if (!isLoopbackHost(parseListen(a.listen).host)) {
    if (!deps.dev)
      throw new NodeError(
        'NODE_INSECURE_REFUSED',
        `refusing to start: [kms.admin] listen = "${a.listen}" is not a loopback address, and the admin API is plain ` +
          'HTTP, so its token would cross the network unencrypted; listen on 127.0.0.1, [::1] or localhost (reach ' +
          'it through an SSH tunnel), or start with --dev',
      )
    deps.logger.warn({ listen: a.listen }, 'INSECURE: KMS admin API over plain HTTP on a non-loopback address')
  }
  const tokenFile = homePath(cfg, a.token_file)
  const app = createPrpcApp({
    service: 'Admin',
    methods: deps.kms.adminMethods(),
    logger: deps.logger,
    metrics: deps.metrics,
    maxBodyBytes: cfg.kms.max_body_bytes,
    simulated: deps.simulated,
    authenticate: checkAdminToken(adminToken(tokenFile)),
  })
  const l = await listen(app, a.listen)
  deps.logger.info({ url: l.url, tokenFile }, 'KMS admin API listening (admin token required)')
  return l
}
