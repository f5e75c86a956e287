import { AppEnvKeyCache, AppK256Cache } from './appKeyCache.js'
import { bootstrap } from './bootstrap.js'
import { clearImageCache } from './clearImageCache.js'
import type { KmsContext } from './context.js'
import { KmsError } from './errors.js'
import { finish } from './finish.js'
import { getAppEnvEncryptPubKey } from './getAppEnvEncryptPubKey.js'
import { getAppKey } from './getAppKey.js'
import { getAttestationInfo } from './getAttestationInfo.js'
import { getKmsKey } from './getKmsKey.js'
import { getMeta } from './getMeta.js'
import { getTempCaCert } from './getTempCaCert.js'
import { SelfIdentity } from './guards.js'
import { onboard } from './onboard.js'
import type { RpcMethod } from './rpcMethod.js'
import { signCert } from './signCert.js'
import type { KmsDeps, KmsMaterial } from './types.js'
import { verifyKmsMaterial } from './verifyMaterial.js'

/**
 * The KMS: holds the root material once bootstrapped or onboarded, and exposes the two dstack services.
 * `onboardMethods()` run on plain HTTP only while there are no keys; `mainMethods()` over attested TLS.
 */
export class KmsService implements KmsContext {
  readonly self: SelfIdentity
  /** app k256 keys + signatures by app id (see AppK256Cache) */
  readonly appK256 = new AppK256Cache()
  /** app env-encryption keys by app id (see AppEnvKeyCache) */
  readonly appEnvKey = new AppEnvKeyCache()
  #material: KmsMaterial | undefined
  #lock: Promise<unknown> = Promise.resolve()
  #finishListeners: Array<() => void> = []

  constructor(readonly deps: KmsDeps) {
    this.self = new SelfIdentity(deps)
    const stored = deps.storage.load()
    // What the node serves as its own identity must match its sealed keys; a mismatch refuses to start.
    if (stored) {
      verifyKmsMaterial(stored)
      deps.storage.migrate?.(stored)
    }
    this.#material = stored
  }

  get ready(): boolean {
    return this.#material !== undefined
  }

  material(): KmsMaterial {
    if (!this.#material)
      throw new KmsError('KMS_NOT_READY', 'this KMS has no keys yet: bootstrap it or onboard it from another KMS')
    return this.#material
  }

  /** Persist (atomically) and then adopt new material. Refuses to replace existing keys. */
  install(material: KmsMaterial): void {
    if (this.#material) throw new KmsError('KMS_ALREADY_BOOTSTRAPPED', 'this KMS already holds root keys')
    verifyKmsMaterial(material, 'new')
    this.deps.storage.save(material)
    this.#material = material
  }

  /** Run `fn` with no other exclusive section in flight (bootstrap/onboard must not interleave). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn)
    this.#lock = run.catch(() => undefined)
    return run
  }

  onFinish(listener: () => void): void {
    this.#finishListeners.push(listener)
  }

  requestFinish(): void {
    for (const l of this.#finishListeners.splice(0)) setImmediate(l)
  }

  onboardMethods(): RpcMethod[] {
    return [bootstrap(this), onboard(this), getAttestationInfo(this), finish(this)]
  }

  /** dstack's `Admin` service: only on the admin listener, behind the admin token (not attestation). */
  adminMethods(): RpcMethod[] {
    return [clearImageCache()]
  }

  mainMethods(): RpcMethod[] {
    return [
      getMeta(this),
      getAppKey(this),
      getKmsKey(this),
      getAppEnvEncryptPubKey(this),
      getTempCaCert(this),
      signCert(this),
    ]
  }
}
