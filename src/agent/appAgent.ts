import { dirname, join, resolve } from 'node:path'
import type { Hono } from 'hono'
import type { EvidenceVerifier } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { explain } from '../errors.js'
import { type Logger, nullLogger } from '../log.js'
import type { TeePlatform } from '../tee/index.js'
import type { AgentAppKeys } from './appKeys.js'
import { AgentError } from './errors.js'
import { createGuestApi } from './guestApi.js'
import type { GuestContext } from './guestContext.js'
import { type AgentKmsClient, createAgentKmsClient } from './kmsClient.js'
import { type KmsTrust, kmsKeyProviderInfo } from './kmsTrust.js'
import { type GuestListeners, type GuestListenOptions, serveGuestApi } from './serveGuestApi.js'
import { issueDemoCertificate } from './tlsKey.js'
import { createWorkerApi } from './workerApi.js'

export interface AppAgentOptions extends GuestListenOptions {
  /** this app's TEE (its evidence authenticates the agent to the KMS) */
  tee: TeePlatform
  /** KMS base URL, e.g. `https://127.0.0.1:8001` */
  kmsUrl: string
  /**
   * which KMS this app trusts: root CA / k256 keys known in advance and/or a `kms` policy (no trust on first
   * use). The agent closes its policy on stop.
   */
  kmsTrust: KmsTrust
  /** verifies the KMS's evidence and this TEE's own evidence (Info) */
  verifier: EvidenceVerifier
  /** unix seconds (default: the wall clock) */
  now?: () => number
  logger?: Logger
  /** raw app-compose.json text, for Info.app_name / tcb_info.app_compose ('' if unknown) */
  appCompose?: string
  /** dstack vm_config JSON; default: the `config` of this TEE's evidence (carries os_image_hash) */
  vmConfig?: string
  /** request the dstack demo certificate (Info.app_cert) at start; default true */
  demoCert?: boolean
  /**
   * unix socket for the legacy Tappd API (the SDK's deprecated `TappdClient`); default: `tappd.sock` in the
   * directory of `socketPath` (as dstack puts /var/run/dstack/tappd.sock beside dstack.sock); false: none
   */
  tappdSocketPath?: string | false
  /**
   * SIMULATOR USE ONLY: serve the full internal API (GetKey, GetTlsKey, Sign, the Tappd API: the app's private
   * keys) on `port` instead of dstack's external Worker API, for clients pointed at it by
   * `DSTACK_SIMULATOR_ENDPOINT=http://…` (the devnet, SDK tests). Logged as a warning on a real TEE; the CLI
   * refuses it without --dev.
   */
  internalApiOnPort?: boolean
}

export interface AppAgentEndpoints {
  socketPath?: string
  /** the legacy Tappd API's socket (`/prpc/Tappd.<Method>`) */
  tappdSocketPath?: string
  /**
   * The TCP port: dstack's external Worker API at `/prpc/Worker.<Method>` (Info, Version,
   * GetAttestationForAppKey); with `internalApiOnPort` (simulator) instead the guest API at `/<Method>` and the
   * Tappd API at `/prpc/Tappd.<Method>`.
   */
  httpUrl?: string
}

/** Where the Tappd socket goes for these options (undefined: none). */
export function tappdSocketPathFor(opts: Pick<AppAgentOptions, 'socketPath' | 'tappdSocketPath'>): string | undefined {
  if (opts.tappdSocketPath === false) return undefined
  const path =
    opts.tappdSocketPath ?? (opts.socketPath !== undefined ? join(dirname(opts.socketPath), 'tappd.sock') : undefined)
  if (path !== undefined && opts.socketPath !== undefined && resolve(path) === resolve(opts.socketPath))
    throw new AgentError(
      'AGENT_LISTEN_FAILED',
      `the Tappd socket and the dstack socket are both ${path}: give the Tappd API its own path (or none)`,
    )
  return path
}

/**
 * The app agent: runs beside an app inside its TEE, gets the app's keys from a Custos KMS over mutual
 * attested TLS (GetAppKey), and serves the dstack guest API on unix sockets and dstack's external Worker API on
 * a loopback port (the full API on the port only as the simulator option `internalApiOnPort`).
 */
export class AppAgent {
  readonly #opts: AppAgentOptions
  readonly #log: Logger
  readonly #now: () => number
  readonly #kms: AgentKmsClient
  #keys: AgentAppKeys | undefined
  #appCert = ''
  #vmConfig = ''
  #listeners: { dstack?: GuestListeners; tappd?: GuestListeners; http?: GuestListeners } = {}
  #app: Hono | undefined
  #tappdApp: Hono | undefined
  #workerApp: Hono | undefined

  constructor(opts: AppAgentOptions) {
    this.#opts = opts
    this.#log = (opts.logger ?? nullLogger).child({ module: 'agent' })
    this.#now = opts.now ?? (() => Math.floor(Date.now() / 1000))
    this.#kms = createAgentKmsClient({
      tee: opts.tee,
      kmsUrl: opts.kmsUrl,
      verifier: opts.verifier,
      trust: opts.kmsTrust,
      now: this.#now,
      logger: this.#log,
    })
  }

  /** true once the app keys are held */
  get ready(): boolean {
    return this.#keys !== undefined
  }

  /** the guest API app (in-process requests: `agent.app.request('/GetKey', …)`) — after start() or fetchKeys() */
  get app(): Hono {
    if (!this.#app) throw new AgentError('AGENT_NOT_READY', 'the agent has no app keys yet: call start() first')
    return this.#app
  }

  /** the guest API plus the legacy Tappd API under `/prpc/` (what tappd.sock and the HTTP port serve) */
  get tappdApp(): Hono {
    if (!this.#tappdApp) throw new AgentError('AGENT_NOT_READY', 'the agent has no app keys yet: call start() first')
    return this.#tappdApp
  }

  /** dstack's external Worker API (what the TCP port serves unless `internalApiOnPort`) */
  get workerApp(): Hono {
    if (!this.#workerApp) throw new AgentError('AGENT_NOT_READY', 'the agent has no app keys yet: call start() first')
    return this.#workerApp
  }

  get endpoints(): AppAgentEndpoints {
    const { dstack, tappd, http } = this.#listeners
    return {
      ...(dstack?.socketPath ? { socketPath: dstack.socketPath } : {}),
      ...(tappd?.socketPath ? { tappdSocketPath: tappd.socketPath } : {}),
      ...(http?.httpUrl ? { httpUrl: http.httpUrl } : {}),
    }
  }

  #context(): GuestContext {
    return {
      tee: this.#opts.tee,
      verifier: this.#opts.verifier,
      now: this.#now,
      keys: () => {
        if (!this.#keys) throw new AgentError('AGENT_NOT_READY', 'the agent has no app keys (stopped or not started)')
        return this.#keys
      },
      vmConfig: this.#vmConfig,
      appCompose: this.#opts.appCompose ?? '',
      appCert: () => this.#appCert,
      signCert: (csr, sig) => this.#kms.signCert(csr, sig, this.#vmConfig),
      logger: this.#log,
    }
  }

  /** GetAppKey from the KMS (and the demo certificate); builds the guest API. No listener is opened. */
  async fetchKeys(): Promise<void> {
    if (this.#keys) return
    const tee = this.#opts.tee
    let att: Awaited<ReturnType<TeePlatform['attest']>>
    try {
      att = await tee.attest(new Uint8Array(64))
    } catch (e) {
      throw new AgentError('AGENT_TEE_FAILED', 'the TEE did not produce evidence', {}, { cause: e })
    }
    this.#vmConfig = this.#opts.vmConfig ?? att.config
    const appId = async () => {
      try {
        return (await this.#opts.verifier.verify(att, { now: this.#now() })).appId
      } catch (e) {
        throw new AgentError('AGENT_TEE_FAILED', 'could not verify this TEE identity', {}, { cause: e })
      }
    }
    const { keys, rootCaSpki } = await this.#kms.getAppKey(this.#vmConfig, appId)
    this.#keys = keys
    this.#log.info({ kms: this.#opts.kmsUrl, gatewayAppId: keys.gatewayAppId }, 'app keys received')
    // As dstack-util does after GetAppKey: measure which KMS the keys came from (key-provider), then system-ready.
    if (tee.awaitingKeyProvider && tee.recordKeyProvider) {
      await tee.recordKeyProvider(kmsKeyProviderInfo(rootCaSpki))
      this.#log.info({ kmsRootCa: toHex(rootCaSpki) }, 'key provider measured (RTMR3 key-provider event)')
    }
    const ctx = this.#context()
    if (this.#opts.demoCert !== false) {
      try {
        this.#appCert = await issueDemoCertificate(ctx)
      } catch (e) {
        this.#log.warn({ reason: explain(e) }, 'demo certificate not issued; Info.app_cert stays empty')
      }
    }
    this.#app = createGuestApi(ctx)
    this.#tappdApp = createGuestApi(ctx, { tappd: true })
    this.#workerApp = createWorkerApi(ctx)
  }

  /**
   * Fetch the app keys, then serve: the guest API on the dstack socket (as dstack's dstack.sock, nothing else);
   * guest API + Tappd API on the Tappd socket; on the TCP port dstack's external Worker API, or with
   * `internalApiOnPort` (simulator) what the Tappd socket serves.
   */
  async start(): Promise<AppAgentEndpoints> {
    const tappdSocketPath = tappdSocketPathFor(this.#opts)
    const internalOnPort = this.#internalApiOnPort()
    await this.fetchKeys()
    if (Object.keys(this.#listeners).length > 0) return this.endpoints
    const { socketPath, port, host } = this.#opts
    try {
      if (socketPath !== undefined) this.#listeners.dstack = await serveGuestApi(this.app, { socketPath })
      if (tappdSocketPath !== undefined)
        this.#listeners.tappd = await serveGuestApi(this.tappdApp, { socketPath: tappdSocketPath })
      if (port !== undefined)
        this.#listeners.http = await serveGuestApi(internalOnPort ? this.tappdApp : this.workerApp, {
          port,
          ...(host !== undefined ? { host } : {}),
        })
    } catch (e) {
      await this.#closeListeners()
      throw e
    }
    if (Object.keys(this.endpoints).length > 0)
      this.#log.info(
        { ...this.endpoints, ...(port !== undefined ? { httpApi: internalOnPort ? 'internal' : 'worker' } : {}) },
        'guest API listening',
      )
    return this.endpoints
  }

  /** `internalApiOnPort`, checked: it needs a port, and on a real TEE it hands the app's keys to any local process. */
  #internalApiOnPort(): boolean {
    if (this.#opts.internalApiOnPort !== true) return false
    if (this.#opts.port === undefined)
      throw new AgentError('AGENT_LISTEN_FAILED', 'internalApiOnPort needs a port to serve the internal API on')
    if (!this.#opts.tee.simulated)
      this.#log.warn(
        { port: this.#opts.port, host: this.#opts.host ?? '127.0.0.1', tee: this.#opts.tee.driver },
        'SIMULATOR OPTION ON A REAL TEE: the TCP port serves the full internal guest API, so any process that can reach it gets the app PRIVATE KEYS (GetKey, GetTlsKey, Sign, DeriveKey). Never run this in production.',
      )
    return true
  }

  async #closeListeners(): Promise<void> {
    const open = Object.values(this.#listeners)
    this.#listeners = {}
    await Promise.all(open.map((l) => l.close()))
  }

  /** Close listeners and the KMS connection, and wipe the app keys. */
  async stop(): Promise<void> {
    await this.#closeListeners()
    this.#kms.close()
    await this.#opts.kmsTrust?.policy?.close()
    if (this.#keys) {
      this.#keys.k256Key.wipe()
      this.#keys.diskCryptKey.wipe()
      this.#keys.envCryptKey.wipe()
      this.#keys = undefined
    }
  }
}

/** `new AppAgent(opts)` (nothing started). */
export function createAppAgent(opts: AppAgentOptions): AppAgent {
  return new AppAgent(opts)
}

/** Create an agent, fetch its keys and open its listeners; on failure nothing is left open. */
export async function startAppAgent(opts: AppAgentOptions): Promise<AppAgent> {
  const agent = new AppAgent(opts)
  try {
    await agent.start()
  } catch (e) {
    await agent.stop()
    throw e
  }
  return agent
}
