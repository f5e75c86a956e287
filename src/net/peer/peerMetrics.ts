import { Counter, Gauge, type Registry } from 'prom-client'
import { DROP_REASONS, type DropReason } from './types.js'

/** Hooks the network calls; `createPeerMetrics` backs them with prom-client, tests may count themselves. */
export interface PeerMetrics {
  /** one envelope accepted by `peer` (delivery acknowledged) */
  sent(peer: number): void
  /** a send to `peer` failed for good (after retries) */
  sendFailed(peer: number, code: string): void
  /** one envelope from `peer` passed every check and was queued */
  received(peer: number): void
  /** an inbound connection or envelope was refused */
  dropped(reason: DropReason): void
  /** members with a live, mutually authorised connection */
  online(count: number): void
}

/**
 * Prometheus counters on `registry`: `custos_peer_messages_sent_total{peer}`,
 * `custos_peer_send_failures_total{peer,code}`, `custos_peer_messages_received_total{peer}`,
 * `custos_peer_messages_dropped_total{reason}` (every reason pre-set to 0) and the gauge `custos_peer_online_peers`.
 * Peer labels are participant ids, bounded by the committee size.
 */
export function createPeerMetrics(registry: Registry): PeerMetrics {
  const sent = new Counter({
    name: 'custos_peer_messages_sent_total',
    help: 'Committee envelopes acknowledged by the receiving member',
    labelNames: ['peer'] as const,
    registers: [registry],
  })
  const failed = new Counter({
    name: 'custos_peer_send_failures_total',
    help: 'Committee envelopes that could not be delivered after retries, by error code',
    labelNames: ['peer', 'code'] as const,
    registers: [registry],
  })
  const received = new Counter({
    name: 'custos_peer_messages_received_total',
    help: 'Committee envelopes received and queued (all checks passed)',
    labelNames: ['peer'] as const,
    registers: [registry],
  })
  const dropped = new Counter({
    name: 'custos_peer_messages_dropped_total',
    help: 'Inbound committee connections and envelopes refused, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const reason of DROP_REASONS) dropped.inc({ reason }, 0)
  const online = new Gauge({
    name: 'custos_peer_online_peers',
    help: 'Committee members with a live, mutually authorised connection',
    registers: [registry],
  })
  return {
    sent: (peer) => sent.inc({ peer: String(peer) }),
    sendFailed: (peer, code) => failed.inc({ peer: String(peer), code }),
    received: (peer) => received.inc({ peer: String(peer) }),
    dropped: (reason) => dropped.inc({ reason }),
    online: (count) => online.set(count),
  }
}
