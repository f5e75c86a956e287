/**
 * One epoch's committee member: the peer network and the service over it, started from what every (re)start
 * reuses (node key, RA-TLS identity, committee stores). mpcNode.ts composes it with the committee source and the API.
 */
import { randomBytes } from 'node:crypto'
import type { EvidenceVerifier } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import type { Logger } from '../log.js'
import {
  type Committee,
  CommitteeError,
  CommitteeService,
  createAllowCheck,
  type KeysActivated,
  type ParticipantId,
  peerMembersOf,
} from '../mpc/index.js'
import {
  type createNodeSigner,
  createPeerMetrics,
  type createRaTlsIdentity,
  nodeKeyVerifier,
  PeerNetwork,
  type PeerVerifier,
} from '../net/index.js'
import type { Policy } from '../policy/index.js'
import type { CommitteeStore, Store } from '../store/index.js'
import type { TeePlatform } from '../tee/index.js'
import type { Config } from './config.js'
import type { NodeMetrics } from './metrics.js'
import { parseListen } from './server.js'

export type CommitteeDeps = {
  store: Store
  tee: TeePlatform
  verifier: EvidenceVerifier
  policy: Policy
  logger: Logger
  now: () => number
  metrics: NodeMetrics
}

/** How long closing a member waits for its peer connections to end. */
const CLOSE_WAIT_MS = 5000

const sleep = (ms: number) =>
  new Promise<void>((r) => {
    setTimeout(r, ms).unref()
  })

/** What every (re)start of the member reuses: the node key, the RA-TLS identity, the stores (opened once). */
export interface MemberContext {
  cfg: Config
  deps: CommitteeDeps
  logger: Logger
  signer: ReturnType<typeof createNodeSigner>
  tls: Awaited<ReturnType<typeof createRaTlsIdentity>>
  peers: PeerVerifier
  stores: CommitteeStore
}

/** One epoch's member: the peer network and the service over it. */
export interface Member {
  me: ParticipantId
  committee: Committee
  service: CommitteeService
  network: PeerNetwork
  close(): Promise<void>
}

/**
 * Run `create` and return what it registered in the metrics registry: a restarted member registers the same metric
 * names again, so the previous member's must be removed first (counters then restart at zero, as after a restart).
 */
function registering<T>(registry: NodeMetrics['registry'], create: () => T): { value: T; names: string[] } {
  const before = new Set(registry.getMetricsAsArray().map((x) => x.name))
  const value = create()
  return {
    value,
    names: registry
      .getMetricsAsArray()
      .map((x) => x.name)
      .filter((n) => !before.has(n)),
  }
}

/** Start the PeerNetwork (peers must pass attestation AND policy role `mpc`) and the service for `committee`. */
export async function startMember(
  ctx: MemberContext,
  committee: Committee,
  me: ParticipantId,
  onKeysActivated?: (e: KeysActivated) => void | Promise<void>,
): Promise<Member> {
  const { cfg, deps, logger, signer, tls, peers, stores } = ctx
  const m = cfg.mpc
  const registry = deps.metrics.registry
  const p2p = parseListen(m.p2p_listen)
  const peerMetrics = registering(registry, () => createPeerMetrics(registry))
  const owned = [...peerMetrics.names]
  const release = () => {
    for (const n of owned) registry.removeSingleMetric(n)
  }
  let network: PeerNetwork
  try {
    network = await PeerNetwork.start({
      id: me,
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
      metrics: peerMetrics.value,
      limits: {
        connectTimeoutMs: 3000,
        sendTimeoutMs: 5000,
        backoffBaseMs: 50,
        backoffMaxMs: 1000,
      },
    })
  } catch (e) {
    release()
    throw e
  }
  let service: CommitteeService
  try {
    const created = registering(
      registry,
      () =>
        new CommitteeService({
          me,
          committee,
          transport: network,
          store: stores,
          sign: (msg) => signer.sign(msg),
          verify: (key, msg, sig) => nodeKeyVerifier(key)(msg, sig),
          allow: createAllowCheck(m.allow),
          rng: (n = 32) => new Uint8Array(randomBytes(n)),
          logger,
          registry,
          signTimeoutMs: m.round_timeout_ms,
          dkgRoundTimeoutMs: m.dkg_round_timeout_ms,
          ...(onKeysActivated ? { onKeysActivated } : {}),
        }),
    )
    owned.push(...created.names)
    service = created.value
    service.start()
  } catch (e) {
    await network.close()
    release()
    throw e
  }
  return {
    me,
    committee,
    service,
    network,
    async close() {
      await service.close()
      // Empty the member table first. A peer connection whose TLS handshake completes after the server stopped
      // listening is still accepted and would keep the old server open, and the peer's link pointed at a closed
      // network; with no members its hello is refused and the connection closed.
      network.setEpoch(committee.epoch, [])
      const closed = await Promise.race([network.close().then(() => true), sleep(CLOSE_WAIT_MS).then(() => false)])
      // the listening port is released at once either way, so a new member can start
      if (!closed) logger.warn({ me, waitedMs: CLOSE_WAIT_MS }, 'the old peer network still has open connections')
      release()
    },
  }
}

/** Warn when the committee lists another node key for us: peers would refuse every message we sign. */
export function checkOwnNodeKey(ctx: MemberContext, committee: Committee, me: ParticipantId, where: string): void {
  const listed = committee.participants.find((p) => p.id === me)
  if (listed && toHex(listed.nodeKey) !== toHex(ctx.signer.publicKey))
    ctx.logger.warn(
      { participant: me, expected: toHex(listed.nodeKey), actual: toHex(ctx.signer.publicKey) },
      `this node key is not the one ${where} lists for this participant: peers will refuse us`,
    )
}

/**
 * The service the API talks to. With the evm source the member is replaced on every committee change while the
 * API listener (and its URL) stays, so the API reaches the current service through this view; between members, or
 * while this node is not a member, it answers 503.
 */
export function serviceView(current: () => CommitteeService | undefined, why: () => string): CommitteeService {
  return new Proxy(Object.create(CommitteeService.prototype) as CommitteeService, {
    get(_target, prop) {
      const s = current()
      if (!s) {
        if (typeof prop === 'symbol' || prop === 'then') return undefined
        throw new CommitteeError('MPC_KEY_NOT_READY', why())
      }
      const v = Reflect.get(s, prop, s)
      return typeof v === 'function' ? v.bind(s) : v
    },
  })
}
