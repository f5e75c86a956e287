import {
  type Attestation,
  DSTACK_RUNTIME_EVENT_TYPE,
  decodeVersionedAttestation,
  type Platform,
  type TdxEvent,
} from '../../attestation/index.js'
import { equalBytes, fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import { TeeError } from '../errors.js'
import type { TeePlatform } from '../types.js'
import { errnoOf } from './driverIo.js'
import { TeeDriverError } from './errors.js'
import { postUnixJson } from './unixHttp.js'

export const DEFAULT_DSTACK_SOCKET = '/var/run/dstack.sock'

export interface DstackAgentDriverOptions {
  /** guest agent socket (`[tee] dstack_socket`) */
  socketPath?: string
  /** what the CVM's evidence verifies as; default 'tdx' (dstack on AWS Nitro: 'nitro') */
  platform?: Extract<Platform, 'tdx' | 'nitro'>
  /** GetKey path of the sealing key; default "custos/sealing" */
  sealingKeyPath?: string
  timeoutMs?: number
}

/**
 * Passthrough to the dstack guest agent (dstack-kms.md §7) over its unix socket, HTTP/1.1 POST JSON:
 * `/Attest {report_data}` → `{attestation: hex VersionedAttestation}` (decoded here); agents without `/Attest`
 * (404) fall back to `/GetQuote {report_data}` → `{quote, event_log, vm_config}`. The agent owns RTMR3 and the
 * event log. Sealing key = `/GetKey {path, purpose}`: the KMS-derived app key, bound to this app's identity.
 */
export class DstackAgentDriver implements TeePlatform {
  readonly driver = 'dstack'
  readonly platform: Platform
  readonly simulated = false
  readonly #socket: string
  readonly #keyPath: string
  readonly #timeout: number

  constructor(opts: DstackAgentDriverOptions = {}) {
    this.#socket = opts.socketPath ?? DEFAULT_DSTACK_SOCKET
    this.platform = opts.platform ?? 'tdx'
    this.#keyPath = opts.sealingKeyPath ?? 'custos/sealing'
    this.#timeout = opts.timeoutMs ?? 30_000
  }

  async attest(reportData: Uint8Array): Promise<Attestation> {
    if (reportData.length !== 64)
      throw new TeeError('TEE_BAD_REPORT_DATA', `report_data must be exactly 64 bytes, got ${reportData.length}`)
    const req = { report_data: toHex(reportData) }
    const res = await this.#call('/Attest', req, true)
    const att = res ? decodeAgentAttestation(res) : await this.#getQuote(req)
    if (!equalBytes(att.reportData, reportData))
      throw new TeeDriverError('TEE_BAD_EVIDENCE', 'the dstack agent returned evidence over a different report_data')
    return att
  }

  async sealingKey(): Promise<SecretBytes> {
    const res = (await this.#call('/GetKey', { path: this.#keyPath, purpose: 'custos-sealing' }, false)) ?? {}
    const key = typeof res['key'] === 'string' ? tryHex(res['key']) : undefined
    if (key?.length !== 32) throw agentError('/GetKey did not return a 32-byte hex key')
    return new SecretBytes(key)
  }

  /** Forwarded to the host's dstack agent, which extends RTMR3 and records the event. */
  async emitEvent(event: string, payload: Uint8Array): Promise<void> {
    await this.#call('/EmitEvent', { event, payload: toHex(payload) }, false)
  }

  async #getQuote(req: { report_data: string }): Promise<Attestation> {
    const res = (await this.#call('/GetQuote', req, false)) ?? {}
    const quote = typeof res['quote'] === 'string' ? tryHex(res['quote']) : undefined
    if (!quote?.length) throw agentError('/GetQuote returned no hex quote')
    const eventLog = parseEventLog(res['event_log'])
    const runtimeEvents = eventLog
      .filter((e) => e.imr === 3 && e.eventType === DSTACK_RUNTIME_EVENT_TYPE)
      .map((e) => ({ event: e.event, payload: e.eventPayload }))
    return {
      quote: { type: 'tdx', quote, eventLog },
      runtimeEvents,
      reportData: fromHex(req.report_data),
      config: typeof res['vm_config'] === 'string' ? res['vm_config'] : '',
    }
  }

  /** JSON object answer; undefined on 404 when `optional`. */
  async #call(path: string, body: unknown, optional: boolean): Promise<Record<string, unknown> | undefined> {
    let res: Awaited<ReturnType<typeof postUnixJson>>
    try {
      res = await postUnixJson(this.#socket, path, body, this.#timeout)
    } catch (e) {
      const code = errnoOf(e)
      throw new TeeDriverError(
        code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES'
          ? 'TEE_DEVICE_UNAVAILABLE'
          : 'TEE_AGENT_ERROR',
        `cannot reach the dstack guest agent at ${this.#socket} (${code || 'error'}); run inside a dstack CVM with the socket mounted`,
        { path: this.#socket },
        { cause: e },
      )
    }
    if (res.status === 404 && optional) return undefined
    if (res.status < 200 || res.status > 299)
      throw agentError(`${path} answered HTTP ${res.status}`, { status: res.status })
    let json: unknown
    try {
      json = JSON.parse(res.body)
    } catch {
      throw agentError(`${path} answered with non-JSON`)
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw agentError(`${path} answered with a non-object`)
    const obj = json as Record<string, unknown>
    if (typeof obj['error'] === 'string') throw agentError(`${path} failed: ${obj['error'].slice(0, 200)}`)
    return obj
  }
}

function decodeAgentAttestation(res: Record<string, unknown>): Attestation {
  const bytes = typeof res['attestation'] === 'string' ? tryHex(res['attestation']) : undefined
  if (!bytes?.length) throw agentError('/Attest returned no hex attestation')
  try {
    return decodeVersionedAttestation(bytes)
  } catch (e) {
    throw new TeeDriverError(
      'TEE_BAD_EVIDENCE',
      '/Attest returned an attestation that does not decode',
      {},
      { cause: e },
    )
  }
}

/** dstack `event_log` (a JSON string of `[{imr, event_type, digest, event, event_payload}]`). */
function parseEventLog(v: unknown): TdxEvent[] {
  if (v === undefined || v === '') return []
  let list: unknown
  try {
    list = typeof v === 'string' ? JSON.parse(v) : v
  } catch {
    throw agentError('event_log is not JSON')
  }
  if (!Array.isArray(list)) throw agentError('event_log is not a list')
  return list.map((e: Record<string, unknown>) => {
    const digest = tryHex(String(e['digest'] ?? ''))
    const eventPayload = tryHex(String(e['event_payload'] ?? ''))
    if (typeof e['imr'] !== 'number' || typeof e['event_type'] !== 'number' || !digest || !eventPayload)
      throw agentError('event_log entry is malformed')
    return { imr: e['imr'], eventType: e['event_type'], digest, event: String(e['event'] ?? ''), eventPayload }
  })
}

function tryHex(s: string): Uint8Array | undefined {
  try {
    return fromHex(s)
  } catch {
    return undefined
  }
}

function agentError(msg: string, meta: Record<string, number> = {}) {
  return new TeeDriverError('TEE_AGENT_ERROR', `dstack guest agent: ${msg}`, meta)
}
