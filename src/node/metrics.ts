import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/** Methods whose responses dstack-kms counts as attestation requests (dstack-kms.md §2.4). */
const ATTESTED_METHODS = new Set(['GetAppKey', 'GetKmsKey', 'SignCert'])

export interface NodeMetrics {
  registry: Registry
  /** Record one finished RPC: `method` without service prefix, HTTP status, seconds taken. */
  observeRpc(service: string, method: string, status: number, seconds: number): void
  /** Record one slashing-protection commit round of the signer: seconds (fsync included), requests, thread. */
  observeSlashingCommit(seconds: number, size: number, thread: 'worker' | 'inline'): void
}

export function createMetrics(opts: { defaults?: boolean } = {}): NodeMetrics {
  const registry = new Registry()
  if (opts.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'custos_' })
  const attRequests = new Counter({
    name: 'dstack_kms_attestation_requests_total',
    help: 'Responses to GetAppKey, GetKmsKey and SignCert (dstack-kms compatible)',
    registers: [registry],
  })
  const attFailures = new Counter({
    name: 'dstack_kms_attestation_failures_total',
    help: 'Responses to GetAppKey, GetKmsKey and SignCert with HTTP status >= 400 (dstack-kms compatible)',
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'custos_rpc_request_duration_seconds',
    help: 'RPC latency by service, method and HTTP status',
    labelNames: ['service', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const commitSeconds = new Histogram({
    name: 'custos_signer_slashing_commit_seconds',
    help: 'Signer: duration of one slashing-protection group commit (check + record + fsync), by thread',
    labelNames: ['thread'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  })
  const commitSize = new Histogram({
    name: 'custos_signer_slashing_commit_batch_size',
    help: 'Signer: blocks and attestations decided by one slashing-protection group commit',
    labelNames: ['thread'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  })
  return {
    registry,
    observeSlashingCommit(seconds, size, thread) {
      commitSeconds.observe({ thread }, seconds)
      commitSize.observe({ thread }, size)
    },
    observeRpc(service, method, status, seconds) {
      // Unknown method names are collapsed so a client cannot blow up label cardinality.
      latency.observe({ service, method, status: String(status) }, seconds)
      // 499 = the client went away before a response: dstack counts responses only
      if (ATTESTED_METHODS.has(method) && status !== 499) {
        attRequests.inc()
        if (status >= 400) attFailures.inc()
      }
    },
  }
}
