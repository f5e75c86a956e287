import type { EvidenceVerifier } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { CustosError } from '../errors.js'
import type { GetAppKeyRequest, SignCertRequest, SignCertResponse } from '../kms/index.js'
import type { Logger } from '../log.js'
import { type AttestedClient, createAttestedClient, parseServiceUrl } from '../net/index.js'
import type { TeePlatform } from '../tee/index.js'
import { type AgentAppKeys, parseAppKeyReply } from './appKeys.js'
import { AgentError } from './errors.js'
import { issueKmsClientCert, type KmsClientCert, type KmsTempCa, parseTempCaReply } from './kmsClientCert.js'
import { assertKmsTrust, authorizeKmsServer, checkAppKeyReply, type KmsTrust } from './kmsTrust.js'

export interface AgentKmsClientOptions {
  tee: TeePlatform
  /** KMS base URL, e.g. `https://127.0.0.1:8001` (a trailing `/prpc` is accepted) */
  kmsUrl: string
  /** verifies the KMS's RA-TLS evidence (its certificate must carry usage `kms:rpc`) */
  verifier: EvidenceVerifier
  /** which KMS this app trusts (evidence alone is not enough; never trust on first use) */
  trust: KmsTrust
  /** unix seconds */
  now: () => number
  logger: Logger
}

/** What the agent asks of the KMS (dstack guest → KMS). */
export interface AgentKmsClient {
  /**
   * GetAppKey over mutual attested TLS (our RA-TLS client certificate carries this TEE's evidence and is signed
   * by the KMS temp CA, as a dstack guest's is), from a KMS
   * the trust allows; the reply is checked against it too. `appId` gives this app's attested id (asked only
   * for the k256 signature check). Later calls go only to a KMS with the root CA key returned here.
   */
  getAppKey(vmConfig: string, appId: () => Promise<Uint8Array>): Promise<{ keys: AgentAppKeys; rootCaSpki: Uint8Array }>
  /** SignCert (the evidence is inside the CSR), to the KMS the keys came from. */
  signCert(csr: Uint8Array, signature: Uint8Array, vmConfig: string): Promise<string[]>
  /** PEM of our RA-TLS client certificate (issued by the KMS temp CA) once connected; for diagnostics and tests */
  readonly clientCertPem: string | undefined
  close(): void
}

/** Normalise `https://host:port[/prpc][/]` to the base without `/prpc`. */
export function kmsBaseUrl(url: string): string {
  parseServiceUrl(url, {
    what: 'the KMS URL',
    protocols: ['https:'],
    expected: 'https://host:port',
    fail: (message) => new AgentError('AGENT_BAD_INPUT', message),
  })
  return url.replace(/\/+$/, '').replace(/\/prpc$/, '')
}

export function createAgentKmsClient(opts: AgentKmsClientOptions): AgentKmsClient {
  const base = kmsBaseUrl(opts.kmsUrl)
  const log = opts.logger
  assertKmsTrust(opts.trust)
  let client: AttestedClient | undefined
  let clientCert: KmsClientCert | undefined
  /** root CA SPKI of the KMS the app keys came from; every later connection must be signed by it */
  let pinnedRoot: Uint8Array | undefined

  /** An attested client for this KMS; `cert`: our RA-TLS client certificate (none for GetTempCaCert). */
  const clientFor = (cert?: KmsClientCert): AttestedClient =>
    createAttestedClient({
      verifier: opts.verifier,
      now: opts.now,
      expectedUsage: 'kms:rpc',
      ...(cert ? { clientCertPem: cert.certPem, clientKeyPem: cert.keyPem } : {}),
      authorizeServer: (server) => authorizeKmsServer(opts.trust, server, pinnedRoot),
      logger: log,
    })

  /**
   * The temp CA of this KMS, asked over attested TLS without a client certificate (dstack-util does the same
   * before GetAppKey). No fallback to a self-signed certificate: every dstack KMS and every Custos KMS serves
   * GetTempCaCert (onboarding needs it), so a 404 means the URL is not a KMS main service; and a dstack KMS
   * would refuse a self-signed certificate at the TLS handshake anyway.
   */
  async function fetchTempCa(): Promise<KmsTempCa> {
    const probe = clientFor()
    try {
      return parseTempCaReply((await call(probe, 'GetTempCaCert', {})).obj)
    } catch (e) {
      if (e instanceof AgentError && e.code === 'AGENT_KMS_REFUSED' && e.meta.status === 404)
        throw new AgentError(
          'AGENT_KMS_REFUSED',
          'the KMS does not serve GetTempCaCert (HTTP 404): it is not a dstack-compatible KMS main service, and ' +
            'this agent does not fall back to a self-signed client certificate (a dstack KMS refuses those)',
          e.meta,
          { cause: e },
        )
      throw e
    } finally {
      probe.close()
    }
  }

  async function connect(): Promise<AttestedClient> {
    if (client) return client
    const cert = await issueKmsClientCert(opts.tee, await fetchTempCa(), opts.now())
    client = clientFor(cert)
    clientCert = cert
    return client
  }

  async function call(
    c: AttestedClient,
    method: string,
    body: unknown,
  ): Promise<{ obj: Record<string, unknown>; certDer: Uint8Array }> {
    let r: Awaited<ReturnType<AttestedClient['request']>>
    try {
      r = await c.request(`${base}/prpc/${method}?json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    } catch (e) {
      if (e instanceof AgentError) {
        log.warn({ method, reason: e.code, why: e.message }, 'KMS refused by this agent')
        throw e
      }
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
      // a refusal without a JSON body (a 404 from a server that is not a KMS) is still a refusal, with its status
      if (r.status === 200)
        throw new AgentError('AGENT_KMS_BAD_REPLY', `the KMS answered ${method} with non-JSON (HTTP ${r.status})`)
    }
    const obj = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
    if (r.status !== 200) {
      const kmsCode = typeof obj.code === 'string' ? obj.code.slice(0, 64) : 'unknown'
      const kmsError = typeof obj.error === 'string' ? obj.error.slice(0, 300) : `HTTP ${r.status}`
      log.warn({ method, status: r.status, kmsCode }, 'KMS refused')
      throw new AgentError('AGENT_KMS_REFUSED', `the KMS refused ${method}: ${kmsError}`, { kmsCode, status: r.status })
    }
    if (!r.peer) throw new AgentError('AGENT_KMS_UNTRUSTED', 'the KMS presented no attestation', { reason: 'NO_PEER' })
    return { obj, certDer: r.peer.certDer }
  }

  return {
    async getAppKey(vmConfig, appId) {
      const { obj, certDer } = await call(await connect(), 'GetAppKey', {
        api_version: 1,
        vm_config: vmConfig,
      } satisfies GetAppKeyRequest)
      const keys = parseAppKeyReply(obj)
      let rootCaSpki: Uint8Array
      try {
        const id = opts.trust.k256PublicKeys.length > 0 ? await appId() : new Uint8Array(0)
        rootCaSpki = checkAppKeyReply(opts.trust, keys, id, certDer)
      } catch (e) {
        keys.k256Key.wipe()
        keys.diskCryptKey.wipe()
        keys.envCryptKey.wipe()
        log.warn({ reason: (e as AgentError).code, why: (e as Error).message }, 'KMS reply refused by this agent')
        throw e
      }
      pinnedRoot = rootCaSpki
      return { keys, rootCaSpki }
    },
    async signCert(csr, signature, vmConfig) {
      const { obj: r } = await call(await connect(), 'SignCert', {
        api_version: 2,
        csr: toHex(csr),
        signature: toHex(signature),
        vm_config: vmConfig,
      } satisfies SignCertRequest)
      const chain = (r as { [K in keyof SignCertResponse]?: unknown }).certificate_chain
      if (!Array.isArray(chain) || chain.length === 0 || !chain.every((p) => typeof p === 'string'))
        throw new AgentError('AGENT_KMS_BAD_REPLY', 'SignCert reply has no certificate_chain')
      return chain
    },
    get clientCertPem() {
      return clientCert?.certPem
    },
    close() {
      client?.close()
      client = undefined
      clientCert = undefined
    },
  }
}
