import { mkdirSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { EvidenceVerifier } from '../attestation/index.js'
import { bootstrapKeys, KmsService, type RpcPeer } from '../kms/index.js'
import type { Logger } from '../log.js'
import { createAttestedCert, PeerVerifier, tlsServerOptions } from '../net/index.js'
import { createPolicy, type Policy } from '../policy/index.js'
import { openStore, type Store } from '../store/index.js'
import type { TeePlatform } from '../tee/index.js'
import { startAdminListener } from './adminListener.js'
import { type Config, homePath } from './config.js'
import { acquireDataDirLock } from './dataDirLock.js'
import { NodeError } from './errors.js'
import { kmsStorage } from './kmsStorage.js'
import { createRootLogger } from './logger.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { type RunningCommittee, startCommittee } from './mpcNode.js'
import { createPlatform, simulatedRootsFor, verifierFor } from './platform.js'
import { policyConfigFromNode } from './policyConfig.js'
import { createPrpcApp } from './prpc.js'
import { type Listening, listen, parseListen } from './server.js'
import { type RunningSigner, startSigner } from './signerNode.js'

export interface StartOptions {
  /** allow the simulated TEE, trust_simulated and the dev policy */
  dev: boolean
  logger?: Logger
  /** unix seconds (tests pin it) */
  now?: () => number
}

export interface RunningNode {
  config: Config
  logger: Logger
  tee: TeePlatform
  verifier: EvidenceVerifier
  policy: Policy
  store: Store
  kms: KmsService
  metrics: NodeMetrics
  /** onboard service while the node has no keys (plain HTTP) */
  onboard?: Listening
  /** resolves when the KMS main service (HTTPS) is up (rejects when `[kms] enabled = false`) */
  main: Promise<Listening>
  /** dstack's KMS admin API (plain HTTP, admin token), when `[kms.admin] enabled` */
  admin?: Listening
  /** the validator remote signer, when `[signer] enabled` */
  signer?: RunningSigner
  /** the threshold-signing committee member, when `[mpc] enabled` */
  mpc?: RunningCommittee
  close(): Promise<void>
}

/** Relaxed security settings other than the simulated TEE: refused without --dev, a warning at every start. */
function relaxations(cfg: Config): Array<{ setting: string; warning: string }> {
  const r: Array<{ setting: string; warning: string }> = []
  if (cfg.attestation.insecure_allow_debug)
    r.push({
      setting: '[attestation] insecure_allow_debug = true',
      warning: 'INSECURE: debug-mode TDs/enclaves are accepted and get keys; the host can read their memory (dev only)',
    })
  if (!cfg.kms.enforce_self_authorization)
    r.push({
      setting: '[kms] enforce_self_authorization = false',
      warning: 'INSECURE: this KMS releases keys without checking its own identity against the policy (dev only)',
    })
  return r
}

function refuseInsecure(cfg: Config, dev: boolean): void {
  const insecure: string[] = []
  if (cfg.tee.platform === 'simulated') insecure.push('[tee] platform = "simulated"')
  if (cfg.attestation.trust_simulated) insecure.push('[attestation] trust_simulated = true')
  if (cfg.policy.backend === 'dev') insecure.push('[policy] backend = "dev"')
  const relaxed = relaxations(cfg).map((r) => r.setting)
  const all = [...insecure, ...relaxed]
  if (all.length > 0 && !dev)
    throw new NodeError(
      insecure.length > 0 ? 'NODE_SIMULATED_REFUSED' : 'NODE_INSECURE_REFUSED',
      `refusing to start: ${all.join(', ')} ${all.length > 1 ? 'are' : 'is'} for development only; ` +
        'start with --dev on a laptop or in CI, or ' +
        (insecure.length > 0 ? 'configure a real TEE platform' : `remove ${relaxed.join(', ')} from the config`) +
        ' for production',
    )
}

/**
 * Start a node: refuse insecure settings without --dev, take the data directory's lock (one node per data
 * dir, before anything in it is opened), then compose the node; the lock is released by `close()`.
 */
export async function startNode(cfg: Config, opts: StartOptions): Promise<RunningNode> {
  refuseInsecure(cfg, opts.dev)
  const logger = opts.logger ?? createRootLogger({ level: cfg.node.log_level, name: cfg.node.name })
  const dataDir = homePath(cfg, cfg.node.data_dir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const lock = acquireDataDirLock(dataDir, logger)
  try {
    const node = await composeNode(cfg, { ...opts, logger }, dataDir)
    const close = node.close
    node.close = async () => {
      try {
        await close()
      } finally {
        lock.release()
      }
    }
    return node
  } catch (e) {
    lock.release()
    throw e
  }
}

/** Compose a node from its config: TEE → verifier → sealed store → policy → KMS → servers. */
async function composeNode(
  cfg: Config,
  opts: StartOptions & { logger: Logger },
  dataDir: string,
): Promise<RunningNode> {
  const logger = opts.logger
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000))

  const tee = await createPlatform(cfg)
  if (tee.simulated)
    logger.warn(
      { tee: 'simulated' },
      'SIMULATED TEE: this node has no hardware protection; its keys and attestations are INSECURE (dev/CI only)',
    )
  if (cfg.attestation.trust_simulated)
    logger.warn({ roots: (await simulatedRootsFor(cfg)).length }, 'trusting SIMULATED attestation evidence (dev only)')
  for (const r of relaxations(cfg)) logger.warn({ setting: r.setting }, r.warning)
  const verifier = await verifierFor(cfg)
  const store = openStore({ dataDir, sealingKey: await tee.sealingKey(), logger: logger.child({ module: 'store' }) })
  const policy = createPolicy(policyConfigFromNode(cfg), logger.child({ module: 'policy' }))
  const metrics = createMetrics()
  const kmsLogger = logger.child({ module: 'kms' })
  let kms: KmsService
  try {
    // Loading verifies the stored material against the sealed keys; a mismatch refuses to start.
    kms = new KmsService({
      tee,
      verifier,
      policy,
      storage: kmsStorage(store, logger.child({ module: 'store' })),
      logger: kmsLogger,
      now,
      options: {
        enforceSelfAuthorization: cfg.kms.enforce_self_authorization,
        siteName: cfg.kms.site_name,
        signCertMaxValidityDays: cfg.kms.sign_cert_max_validity_days,
        requireTempCaClientCert: cfg.kms.require_temp_ca_client_cert,
      },
    })
  } catch (e) {
    await policy.close()
    store.close()
    throw e
  }

  const common = { logger: kmsLogger, metrics, maxBodyBytes: cfg.kms.max_body_bytes, simulated: tee.simulated }
  const peers = new PeerVerifier({ verifier, now })
  const peerOf = async (incoming: IncomingMessage): Promise<RpcPeer | undefined> =>
    peers.verifySocket(incoming.socket as TLSSocket)

  let signer: RunningSigner | undefined
  if (cfg.signer.enabled) signer = await startSigner(cfg, { store, tee, logger, now, metrics, dev: opts.dev })
  let mpc: RunningCommittee | undefined
  if (cfg.mpc.enabled) {
    try {
      mpc = await startCommittee(cfg, { store, tee, verifier, policy, logger, now, metrics })
    } catch (e) {
      await signer?.close()
      await policy.close()
      store.close()
      throw e
    }
  }

  let onboard: Listening | undefined
  let closed = false
  if (cfg.kms.enabled && !kms.ready && cfg.kms.auto_bootstrap_domain !== '')
    await bootstrapKeys(kms, cfg.kms.auto_bootstrap_domain)
  if (cfg.kms.enabled && !kms.ready) {
    const app = createPrpcApp({
      ...common,
      service: 'Onboard',
      methods: kms.onboardMethods(),
      browserGuard: { listenHost: parseListen(cfg.kms.listen).host },
    })
    app.get('/finish', (c) => {
      if (!kms.ready) return c.json({ error: 'no keys yet: call Bootstrap or Onboard first' }, 400)
      kms.requestFinish()
      return c.text('OK')
    })
    onboard = await listen(app, cfg.kms.listen)
    logger.info({ url: onboard.url }, 'onboard service listening (plain HTTP until keys exist)')
  }
  // dstack's admin API (ClearImageCache): its own listener behind the admin token, with or without keys
  let admin: Listening | undefined
  if (cfg.kms.enabled && cfg.kms.admin.enabled) {
    try {
      admin = await startAdminListener(cfg, {
        kms,
        logger: kmsLogger,
        metrics,
        simulated: tee.simulated,
        dev: opts.dev,
      })
    } catch (e) {
      await onboard?.close()
      await mpc?.close()
      await signer?.close()
      await policy.close()
      store.close()
      throw e
    }
  }

  const finished = kms.ready ? Promise.resolve() : new Promise<void>((res) => kms.onFinish(() => res()))

  const main = (async () => {
    if (!cfg.kms.enabled)
      throw new NodeError('NODE_BAD_REQUEST', 'the KMS is disabled in this node ([kms] enabled = false)')
    await finished
    if (onboard) await onboard.close()
    if (closed) throw new NodeError('NODE_BAD_REQUEST', 'node closed before the KMS started')
    const m = kms.material()
    const rpc = await createAttestedCert({
      tee,
      subject: m.domain,
      altNames: [...new Set([m.domain, 'localhost', '127.0.0.1'])],
      usage: 'kms:rpc',
      issuerKey: m.rootCaKey,
      issuerCertPem: m.rootCaCertPem,
      serverAuth: true,
      now: now(),
    })
    const app = createPrpcApp({
      ...common,
      service: 'KMS',
      methods: kms.mainMethods(),
      peerOf,
      headers: { 'X-App-Version': '0.1.0' },
    })
    const l = await listen(
      app,
      cfg.kms.listen,
      tlsServerOptions({ certPem: rpc.certPem, keyPem: rpc.keyPem, requestClientCert: true }),
    )
    logger.info({ url: l.url }, 'KMS listening (attested TLS)')
    return l
  })()
  main.catch((e) => {
    if (cfg.kms.enabled) logger.error({ err: (e as Error).message }, 'KMS main service failed to start')
  })

  return {
    config: cfg,
    logger,
    tee,
    verifier,
    policy,
    store,
    kms,
    metrics,
    onboard,
    ...(admin ? { admin } : {}),
    main,
    ...(signer ? { signer } : {}),
    ...(mpc ? { mpc } : {}),
    async close() {
      closed = true
      await mpc?.close()
      await signer?.close()
      if (onboard) await onboard.close()
      await admin?.close()
      kms.requestFinish()
      const l = await main.catch(() => undefined)
      if (l) await l.close()
      await policy.close()
      store.close()
    },
  }
}
