import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { SecretBytes, toHex } from '../crypto/index.js'
import { nullLogger } from '../log.js'
import { type CommitteeService, createMpcApp, readCommitteeFile } from '../mpc/index.js'
import {
  createNodeSigner,
  createRaTlsIdentity,
  type PeerNetwork,
  PeerVerifier,
  tlsServerOptions,
} from '../net/index.js'
import { openCommitteeStore, openStore, type Store } from '../store/index.js'
import { readAccountKeyFile } from './accountKeyFile.js'
import { type ChainFollower, followChainCommittee } from './chainCommittee.js'
import {
  type CommitteeDeps,
  checkOwnNodeKey,
  type Member,
  type MemberContext,
  serviceView,
  startMember,
} from './committeeMember.js'
import { type Config, homePath } from './config.js'
import { acquireDataDirLock } from './dataDirLock.js'
import { EvmCommitteeSource } from './evmCommitteeSource.js'
import { createAppCaller } from './mpcAppCaller.js'
import { createPlatform } from './platform.js'
import { type Listening, listen } from './server.js'

/** Sealed record holding this node's Ed25519 committee node key (generated once). */
const NODE_KEY = 'mpc/node-key'

export interface RunningCommittee {
  /** the service the API uses (with the evm source: a view of the current member's service, see serviceView) */
  service: CommitteeService
  /** the current member's peer network; undefined while this node is not a member (evm source) */
  readonly network: PeerNetwork | undefined
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
 * Compose the committee member: node key (sealed), RA-TLS peer identity, the committee stores, the member (peer
 * network + service, see startMember) for the committee from the file or the CustosCommittee contract, and the API.
 */
export async function startCommittee(cfg: Config, deps: CommitteeDeps): Promise<RunningCommittee> {
  const m = cfg.mpc
  const logger = deps.logger.child({ module: 'mpc' })
  const seed = committeeNodeKey(deps.store)
  const signer = createNodeSigner(seed)
  seed.wipe()
  logger.info({ nodeKey: toHex(signer.publicKey), source: m.committee_source }, 'mpc node key')
  // the committee file is read, or the chain and the account key checked, before anything listens
  const fileCommittee = m.committee_source === 'file' ? readCommitteeFile(homePath(cfg, m.committee_file)) : undefined
  if (fileCommittee && !fileCommittee.participants.some((p) => p.id === m.participant_id))
    throw new Error(`[mpc] participant_id ${m.participant_id} is not in ${m.committee_file}`)
  const source =
    m.committee_source === 'evm'
      ? await EvmCommitteeSource.open({
          rpcUrl: cfg.policy.evm_rpc_url,
          chainId: cfg.policy.evm_chain_id,
          address: cfg.policy.evm_committee_contract,
          accountKey: readAccountKeyFile(homePath(cfg, m.evm_account_key_file)),
          pollIntervalMs: m.evm_poll_interval_ms,
          logger: logger.child({ module: 'committee-source' }),
        })
      : undefined
  const tls = await createRaTlsIdentity({
    tee: deps.tee,
    subject: 'custos-mpc',
    altNames: ['localhost', '127.0.0.1'],
    serverAuth: true,
    clientAuth: true,
    now: deps.now(),
  })
  const peers = new PeerVerifier({ verifier: deps.verifier, now: deps.now, logger })
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
  const ctx: MemberContext = { cfg, deps, logger, signer, tls, peers, stores }

  let member: Member | undefined
  let follower: ChainFollower | undefined
  if (fileCommittee) {
    checkOwnNodeKey(ctx, fileCommittee, m.participant_id, 'the committee file')
    member = await startMember(ctx, fileCommittee, m.participant_id)
  } else {
    follower = await followChainCommittee(ctx, source!, (next) => {
      member = next
    })
    member = follower.member
  }
  const service = fileCommittee
    ? member!.service
    : serviceView(
        () => member?.service,
        () => follower?.notMember() ?? 'the committee service is restarting',
      )
  const lookup = tokenLookup(cfg)
  const appCallerOf = createAppCaller({ verifySocket: (s) => peers.verifySocket(s), policy: deps.policy, logger })
  const callerOf = async (req: Request, incoming: IncomingMessage | undefined): Promise<string | undefined> => {
    const auth = req.headers.get('authorization')
    if (auth) {
      const mt = /^Bearer\s+(\S+)$/i.exec(auth)
      return mt ? lookup(mt[1]!) : undefined
    }
    const socket = incoming?.socket as TLSSocket | undefined
    if (m.api_tls === 'ratls' && socket && typeof socket.getPeerX509Certificate === 'function') {
      return appCallerOf(socket)
    }
    return undefined
  }
  const app = createMpcApp({
    service,
    logger,
    callerOf,
    simulated: deps.tee.simulated,
    publicData: () => ({
      participant_id: member?.me ?? null,
      node_signing_key: toHex(signer.publicKey),
      p2p_tls_spki: toHex(tls.spki),
      p2p_url: member?.network.url ?? `https://${m.p2p_listen}`,
      ...(source ? { account: source.account } : {}),
      attestation: { platform: deps.tee.simulated ? 'simulated' : cfg.tee.platform, certificate_pem: tls.cert.pem },
    }),
    observe: (route, status, seconds) => deps.metrics.observeRpc('mpc', route, status, seconds),
    metrics: async () => ({
      contentType: deps.metrics.registry.contentType,
      body: await deps.metrics.registry.metrics(),
    }),
  })
  let api: Listening
  try {
    api = await listen(
      app,
      m.listen,
      m.api_tls === 'ratls'
        ? tlsServerOptions({ certPem: tls.cert.pem, keyPem: tls.keyPem, requestClientCert: true })
        : undefined,
    )
  } catch (e) {
    await follower?.close()
    await member?.close()
    throw e
  }
  logger.info(
    {
      url: api.url,
      p2p: member?.network.url ?? null,
      epoch: member ? String(member.committee.epoch) : null,
      source: m.committee_source,
    },
    'mpc API listening',
  )
  return {
    service,
    get network() {
      return member?.network
    },
    api,
    nodeKey: signer.publicKey,
    async close() {
      // the follower first: no restart may begin while the member closes
      await follower?.close()
      await api.close()
      await member?.close()
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
