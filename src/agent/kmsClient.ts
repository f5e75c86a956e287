import type { EvidenceVerifier } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { CustosError } from '../errors.js'
import type { Logger } from '../log.js'
import { type AttestedClient, createAttestedClient, createRaTlsIdentity } from '../net/index.js'
import type { TeePlatform } from '../tee/index.js'
import { type AgentAppKeys, parseAppKeyReply } from './appKeys.js'
import { AgentError } from './errors.js'

export interface AgentKmsClientOptions {
  tee: TeePlatform
  /** KMS base URL, e.g. `https://127.0.0.1:8001` (a trailing `/prpc` is accepted) */
  kmsUrl: string
  /** verifies the KMS's RA-TLS evidence (its certificate must carry usage `kms:rpc`) */
  verifier: EvidenceVerifier
  /** unix seconds */
  now: () => number
  logger: Logger
}

/** What the agent asks of the KMS (dstack guest → KMS). */
export interface AgentKmsClient {
  /** GetAppKey over mutual attested TLS: our RA-TLS client certificate carries this TEE's evidence. */
  getAppKey(vmConfig: string): Promise<AgentAppKeys>
  /** SignCert (the evidence is inside the CSR); `rootCaPem` pins the KMS root CA once known. */
  signCert(csr: Uint8Array, signature: Uint8Array, vmConfig: string): Promise<string[]>
  close(): void
}

/** Normalise `https://host:port[/prpc][/]` to the base without `/prpc`. */
export function kmsBaseUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new AgentError('AGENT_BAD_INPUT', 'the KMS URL is not a valid URL (expected https://host:port)')
  }
  if (u.protocol !== 'https:') throw new AgentError('AGENT_BAD_INPUT', 'the KMS URL must use https:')
  return url.replace(/\/+$/, '').replace(/\/prpc$/, '')
}

export function createAgentKmsClient(opts: AgentKmsClientOptions): AgentKmsClient {
  const base = kmsBaseUrl(opts.kmsUrl)
  const log = opts.logger
  let client: AttestedClient | undefined
  let pinnedRootCaPem: string | undefined

  async function connect(): Promise<AttestedClient> {
    if (client) return client
    let id: Awaited<ReturnType<typeof createRaTlsIdentity>>
    try {
      id = await createRaTlsIdentity({ tee: opts.tee, subject: 'RA-TLS TEMP Cert', clientAuth: true, now: opts.now() })
    } catch (e) {
      throw new AgentError(
        'AGENT_TEE_FAILED',
        'could not produce this TEE evidence for the RA-TLS client certificate',
        {},
        { cause: e },
      )
    }
    client = createAttestedClient({
      verifier: opts.verifier,
      now: opts.now,
      expectedUsage: 'kms:rpc',
      clientCertPem: id.cert.pem,
      clientKeyPem: id.keyPem,
      ...(pinnedRootCaPem ? { pinnedRootCaPem } : {}),
      logger: log,
    })
    return client
  }

  async function call(method: string, body: unknown): Promise<Record<string, unknown>> {
    const c = await connect()
    let r: Awaited<ReturnType<AttestedClient['request']>>
    try {
      r = await c.request(`${base}/prpc/${method}?json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    } catch (e) {
      const reason = e instanceof CustosError ? e.code : 'network'
      log.warn({ method, reason }, 'KMS call failed')
      if (reason.startsWith('NET_') && reason !== 'NET_UNREACHABLE' && reason !== 'NET_TIMEOUT')
        throw new AgentError(
          'AGENT_KMS_UNTRUSTED',
          `the KMS failed the attested TLS check (${reason})`,
          { reason },
          { cause: e },
        )
      throw new AgentError(
        'AGENT_KMS_UNREACHABLE',
        `the KMS call ${method} failed (${reason})`,
        { reason },
        { cause: e },
      )
    }
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(r.body))
    } catch {
      throw new AgentError('AGENT_KMS_BAD_REPLY', `the KMS answered ${method} with non-JSON (HTTP ${r.status})`)
    }
    const obj = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
    if (r.status !== 200) {
      const kmsCode = typeof obj.code === 'string' ? obj.code.slice(0, 64) : 'unknown'
      const kmsError = typeof obj.error === 'string' ? obj.error.slice(0, 300) : `HTTP ${r.status}`
      log.warn({ method, status: r.status, kmsCode }, 'KMS refused')
      throw new AgentError('AGENT_KMS_REFUSED', `the KMS refused ${method}: ${kmsError}`, { kmsCode, status: r.status })
    }
    return obj
  }

  return {
    async getAppKey(vmConfig) {
      const keys = parseAppKeyReply(await call('GetAppKey', { api_version: 1, vm_config: vmConfig }))
      // Later calls (SignCert) also require the KMS chain to end at the root CA it just gave us.
      if (!pinnedRootCaPem) {
        pinnedRootCaPem = keys.caCertPem
        client?.close()
        client = undefined
      }
      return keys
    },
    async signCert(csr, signature, vmConfig) {
      const r = await call('SignCert', {
        api_version: 2,
        csr: toHex(csr),
        signature: toHex(signature),
        vm_config: vmConfig,
      })
      const chain = r.certificate_chain
      if (!Array.isArray(chain) || chain.length === 0 || !chain.every((p) => typeof p === 'string'))
        throw new AgentError('AGENT_KMS_BAD_REPLY', 'SignCert reply has no certificate_chain')
      return chain as string[]
    },
    close() {
      client?.close()
      client = undefined
    },
  }
}
