import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { EvidenceVerifier } from '../attestation/index.js'
import { SecretBytes, toHex } from '../crypto/index.js'
import { type Logger, nullLogger } from '../log.js'
import { CommitteeService, createAllowCheck, createMpcApp, peerMembersOf, readCommitteeFile } from '../mpc/index.js'
import {
  createNodeSigner,
  createPeerMetrics,
  createRaTlsIdentity,
  nodeKeyVerifier,
  PeerNetwork,
  PeerVerifier,
  tlsServerOptions,
} from '../net/index.js'
import type { Policy } from '../policy/index.js'
import { openCommitteeStore, openStore, type Store } from '../store/index.js'
import type { TeePlatform } from '../tee/index.js'
import { type Config, homePath } from './config.js'
import { acquireDataDirLock } from './dataDirLock.js'
import type { NodeMetrics } from './metrics.js'
import { createPlatform } from './platform.js'
import { type Listening, listen, parseListen } from './server.js'

/** Sealed record holding this node's Ed25519 committee node key (generated once). */
const NODE_KEY = 'mpc/node-key'

export interface RunningCommittee {
  service: CommitteeService
  network: PeerNetwork
  api: Listening
  nodeKey: Uint8Array
  close(): Promise<void>
}

/** The node's committee key: generated inside the TEE on first start and sealed, never leaves the store. */
export function committeeNodeKey(store: Store): SecretBytes {
  let seed = store.secrets.get(NODE_KEY)
  if (!seed) {
    seed = new SecretBytes(new Uint8Array(randomBytes(32)))
    store.secrets.put(NODE_KEY, seed)
  }
  return seed
}

/** Token → predecessor, comparing SHA-256 digests in constant time. */
function tokenLookup(cfg: Config): (token: string) => string | undefined {
  const entries = cfg.mpc.api_tokens.map((t) => ({ digest: Buffer.from(t.sha256, 'hex'), predecessor: t.predecessor }))
  return (token) => {
    const d = createHash('sha256').update(token, 'utf8').digest()
    let found: string | undefined
    for (const e of entries) if (timingSafeEqual(d, e.digest) && found === undefined) found = e.predecessor
    return found
  }
}

/**
 * Compose the committee member: node key (sealed), RA-TLS peer identity, PeerNetwork (peers must pass
 * attestation AND policy role `mpc`), the committee stores, the service (DKG, signing) and its API.
 */
export async function startCommittee(
  cfg: Config,
  deps: {
    store: Store
    tee: TeePlatform
    verifier: EvidenceVerifier
    policy: Policy
    logger: Logger
    now: () => number
    metrics: NodeMetrics
  },
): Promise<RunningCommittee> {
  const m = cfg.mpc
  const logger = deps.logger.child({ module: 'mpc' })
  const committee = readCommitteeFile(homePath(cfg, m.committee_file))
  const seed = committeeNodeKey(deps.store)
  const signer = createNodeSigner(seed)
  seed.wipe()
  logger.info({ nodeKey: toHex(signer.publicKey), participant: m.participant_id }, 'mpc node key')
  const me = committee.participants.find((p) => p.id === m.participant_id)
  if (!me) throw new Error(`[mpc] participant_id ${m.participant_id} is not in ${m.committee_file}`)
  if (toHex(me.nodeKey) !== toHex(signer.publicKey))
    logger.warn(
      { expected: toHex(me.nodeKey), actual: toHex(signer.publicKey) },
      'this node key is not the one the committee file lists for this participant: peers will refuse us',
    )
  const tls = await createRaTlsIdentity({
    tee: deps.tee,
    subject: 'custos-mpc',
    altNames: ['localhost', '127.0.0.1'],
    serverAuth: true,
    clientAuth: true,
    now: deps.now(),
  })
  const peers = new PeerVerifier({ verifier: deps.verifier, now: deps.now, logger })
  const p2p = parseListen(m.p2p_listen)
  const network = await PeerNetwork.start({
    id: m.participant_id,
    signer,
    tls: { certPem: tls.cert.pem, keyPem: tls.keyPem },
    epoch: committee.epoch,
    members: peerMembersOf(committee),
    verifier: peers,
    authorize: async (peer) => {
      const d = await deps.policy.check('mpc', peer.identity)
      return d.allowed ? true : d.reason || 'policy role mpc refused'
    },
    listen: { host: p2p.host, port: p2p.port },
    now: deps.now,
    logger: logger.child({ module: 'peer' }),
    metrics: createPeerMetrics(deps.metrics.registry),
    limits: {
      connectTimeoutMs: 3000,
      sendTimeoutMs: 5000,
      backoffBaseMs: 50,
      backoffMaxMs: 1000,
    },
  })
  const stores = openCommitteeStore(deps.store, { logger: logger.child({ module: 'store' }) })
  if (stores.recovered.burnedNonces > 0 || stores.recovered.abandonedAttempt)
    logger.warn(
      {
        burnedNonces: stores.recovered.burnedNonces,
        abandonedAttempt: stores.recovered.abandonedAttempt
          ? String(stores.recovered.abandonedAttempt.attemptId)
          : null,
      },
      'recovered committee state left by the previous process',
    )
  const service = new CommitteeService({
    me: m.participant_id,
    committee,
    transport: network,
    store: stores,
    sign: (msg) => signer.sign(msg),
    verify: (key, msg, sig) => nodeKeyVerifier(key)(msg, sig),
    allow: createAllowCheck(m.allow),
    rng: (n = 32) => new Uint8Array(randomBytes(n)),
    logger,
    registry: deps.metrics.registry,
    signTimeoutMs: m.round_timeout_ms,
    dkgRoundTimeoutMs: m.dkg_round_timeout_ms,
  })
  service.start()
  const lookup = tokenLookup(cfg)
  const callerOf = async (req: Request, incoming: IncomingMessage | undefined): Promise<string | undefined> => {
    const auth = req.headers.get('authorization')
    if (auth) {
      const mt = /^Bearer\s+(\S+)$/i.exec(auth)
      return mt ? lookup(mt[1]!) : undefined
    }
    const socket = incoming?.socket as TLSSocket | undefined
    if (m.api_tls === 'ratls' && socket && typeof socket.getPeerX509Certificate === 'function') {
      const peer = await peers.verifySocket(socket).catch(() => undefined)
      if (peer) return `app:${toHex(peer.identity.appId)}`
    }
    return undefined
  }
  const app = createMpcApp({
    service,
    logger,
    callerOf,
    simulated: deps.tee.simulated,
    publicData: () => ({
      participant_id: m.participant_id,
      node_signing_key: toHex(signer.publicKey),
      p2p_tls_spki: toHex(tls.spki),
      p2p_url: network.url,
      attestation: { platform: deps.tee.simulated ? 'simulated' : cfg.tee.platform, certificate_pem: tls.cert.pem },
    }),
    observe: (route, status, seconds) => deps.metrics.observeRpc('mpc', route, status, seconds),
    metrics: async () => ({
      contentType: deps.metrics.registry.contentType,
      body: await deps.metrics.registry.metrics(),
    }),
  })
  const api = await listen(
    app,
    m.listen,
    m.api_tls === 'ratls'
      ? tlsServerOptions({ certPem: tls.cert.pem, keyPem: tls.keyPem, requestClientCert: true })
      : undefined,
  )
  logger.info({ url: api.url, p2p: network.url, epoch: String(committee.epoch) }, 'mpc API listening')
  return {
    service,
    network,
    api,
    nodeKey: signer.publicKey,
    async close() {
      await api.close()
      await service.close()
      await network.close()
    },
  }
}

/** This node's committee node key (generated and sealed on first use), without starting the node. */
export async function committeeNodeKeyOf(cfg: Config, dev: boolean): Promise<Uint8Array> {
  if (cfg.tee.platform === 'simulated' && !dev) throw new Error('the simulated TEE needs --dev')
  const dataDir = homePath(cfg, cfg.node.data_dir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const lock = acquireDataDirLock(dataDir, nullLogger)
  try {
    const tee = await createPlatform(cfg)
    const store = openStore({
      dataDir,
      sealingKey: await tee.sealingKey(),
      logger: nullLogger,
    })
    try {
      const seed = committeeNodeKey(store)
      const pub = createNodeSigner(seed).publicKey
      seed.wipe()
      return pub
    } finally {
      store.close()
    }
  } finally {
    lock.release()
  }
}
