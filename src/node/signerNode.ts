import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import type { ServerOptions } from 'node:https'
import type { Logger } from '../log.js'
import { createRaTlsIdentity, isLoopbackHost } from '../net/index.js'
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
import { type Listening, listen, parseListen } from './server.js'

export interface RunningSigner {
  service: SignerService
  api: Listening
  keymanager?: Listening
  close(): Promise<void>
}

/**
 * The keymanager bearer token: read from its file, or created (32 random bytes, hex, mode 0600). The file is a
 * host-side bearer credential the validator client reads (as with Web3Signer and Lighthouse), so it cannot be
 * sealed; it must at least be private to its owner: a file group or others can read or write is refused.
 */
export function keymanagerToken(file: string): string {
  try {
    // 'wx': never follow or overwrite something created meanwhile; mode 0600 (the umask only removes bits)
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new NodeError(
        'NODE_CONFIG_INVALID',
        `[signer.keymanager] token_file: cannot create ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); ` +
          'check that its directory exists and is writable',
      )
  }
  let mode: number
  let token: string
  try {
    const st = statSync(file)
    if (!st.isFile())
      throw new NodeError('NODE_CONFIG_INVALID', `[signer.keymanager] token_file: ${file} is not a regular file`)
    mode = st.mode & 0o777
    token = readFileSync(file, 'utf8').trim()
  } catch (e) {
    if (e instanceof NodeError) throw e
    throw new NodeError('NODE_CONFIG_INVALID', `[signer.keymanager] token_file: cannot read ${file}`)
  }
  // POSIX permissions only: on Windows the mode bits do not describe who can read the file.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw new NodeError(
      'NODE_CONFIG_INVALID',
      `${file}: the keymanager token file is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `it is a bearer credential for the keymanager API: run \`chmod 600 ${file}\` and start again`,
    )
  if (token.length < 16)
    throw new NodeError('NODE_CONFIG_INVALID', `${file}: the keymanager token must be at least 16 characters`)
  if (/\s/.test(token))
    throw new NodeError('NODE_CONFIG_INVALID', `${file}: the keymanager token must be one line without spaces`)
  return token
}

const isLoopbackListen = (addr: string): boolean => isLoopbackHost(parseListen(addr).host)

/**
 * The keymanager API carries the bearer token, keystores and their passwords. Over plain HTTP it stays on loopback
 * unless --dev or `[signer.keymanager] insecure_allow_plain_http_remote = true` says otherwise (warned either way).
 */
function checkKeymanagerExposure(cfg: Config, dev: boolean, logger: Logger): void {
  const km = cfg.signer.keymanager
  if (!km.enabled || cfg.signer.tls !== 'none' || isLoopbackListen(km.listen)) return
  if (!dev && !km.insecure_allow_plain_http_remote)
    throw new NodeError(
      'NODE_INSECURE_REFUSED',
      `refusing to start: [signer.keymanager] listen = "${km.listen}" is not a loopback address and [signer] tls = ` +
        '"none", so the keymanager token, keystores and their passwords would cross the network in plain HTTP; ' +
        'set [signer] tls = "files" or "ratls", or listen on 127.0.0.1, [::1] or localhost (reach it through an ' +
        'SSH tunnel), or, if the network path is protected otherwise, set [signer.keymanager] ' +
        'insecure_allow_plain_http_remote = true (or start with --dev)',
    )
  logger.warn(
    {
      listen: km.listen,
      setting: dev ? '--dev' : '[signer.keymanager] insecure_allow_plain_http_remote = true',
    },
    'INSECURE: keymanager API over plain HTTP on a non-loopback address: its bearer token, keystores and passwords travel unencrypted',
  )
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
  // tls = "none" with a client CA is refused by the config schema: mutual TLS needs TLS.
  if (s.tls === 'none') return undefined
  const clientCaPem = s.tls_client_ca_file !== '' ? read(s.tls_client_ca_file, 'tls_client_ca_file') : undefined
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

/**
 * Compose the validator remote signer: service over the sealed store, Web3Signer API (with `GET /metrics` and
 * request timings `custos_rpc_request_duration_seconds{service="signer",method,status}`; 412 = slashing refusal,
 * 499 = client gone), keymanager API. `dev` (the node's --dev) allows a plain-HTTP keymanager off loopback.
 */
export async function startSigner(
  cfg: Config,
  deps: { store: Store; tee: TeePlatform; logger: Logger; now: () => number; metrics?: NodeMetrics; dev?: boolean },
): Promise<RunningSigner> {
  const s = cfg.signer
  const logger = deps.logger.child({ module: 'signer' })
  checkKeymanagerExposure(cfg, deps.dev ?? false, logger) // before anything starts
  const token = s.keymanager.enabled ? keymanagerToken(homePath(cfg, s.keymanager.token_file)) : undefined
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
  let api: Listening | undefined
  let keymanager: Listening | undefined
  try {
    const tls = await tlsFor(cfg, deps.tee, deps.now())
    if (!tls && !isLoopbackListen(s.listen))
      logger.warn(
        { listen: s.listen },
        'INSECURE: signer API over plain HTTP on a non-loopback address: set [signer] tls = "files" or "ratls"',
      )
    const m = deps.metrics
    const metrics = m && {
      observe: (route: string, status: number, seconds: number) => m.observeRpc('signer', route, status, seconds),
      render: async () => ({ contentType: m.registry.contentType, body: await m.registry.metrics() }),
    }
    api = await listen(
      web3signerApp(service, { logger, maxBodyBytes: s.max_body_bytes, ...(metrics ? { metrics } : {}) }),
      s.listen,
      tls,
    )
    logger.info({ url: api.url, keys: service.publicKeys().length }, 'Web3Signer API listening')
    if (token !== undefined) {
      const km = s.keymanager
      keymanager = await listen(
        keymanagerApp(service, { token, logger, maxBodyBytes: km.max_body_bytes, maxKeystores: km.max_keystores }),
        km.listen,
        tls,
      )
      logger.info({ url: keymanager.url, tokenFile: homePath(cfg, km.token_file) }, 'keymanager API listening')
    }
  } catch (e) {
    // e.g. a port in use: release what started so far (workers, the other listener)
    await api?.close()
    await service.close()
    throw e
  }
  const signingApi = api
  return {
    service,
    api: signingApi,
    ...(keymanager ? { keymanager } : {}),
    async close() {
      await signingApi.close()
      await keymanager?.close()
      await service.close()
    },
  }
}
