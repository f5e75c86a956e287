import type { AppEnvKeyCache, AppK256Cache } from './appKeyCache.js'
import type { SelfIdentity } from './guards.js'
import type { KmsDeps, KmsMaterial } from './types.js'

/**
 * What the KMS RPC handlers are given. KmsService implements all of it; each handler names only the parts it uses
 * (`KmsContextOf<members, deps>`), so a handler can be called with just those, and no handler depends on
 * KmsService, which is built from the handlers.
 */
export interface KmsContext {
  /** the root material; throws KMS_NOT_READY before Bootstrap/Onboard */
  material(): KmsMaterial
  /** root material present */
  readonly ready: boolean
  /** persist (atomically) and adopt new material; refuses to replace existing keys */
  install(material: KmsMaterial): void
  /** run `fn` with no other exclusive section in flight (Bootstrap/Onboard must not interleave) */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  /** leave the onboard service */
  requestFinish(): void
  /** this node's own identity, verified like anyone else's */
  readonly self: SelfIdentity
  /** app k256 keys + signatures by app id */
  readonly appK256: AppK256Cache
  /** app env-encryption keys (secret, public half, legacy signature) by app id */
  readonly appEnvKey: AppEnvKeyCache
  readonly deps: KmsDeps
}

/** The members `M` of the KMS context and, of its deps, only `D`. */
export type KmsContextOf<M extends Exclude<keyof KmsContext, 'deps'> = never, D extends keyof KmsDeps = never> = Pick<
  KmsContext,
  M
> & { readonly deps: Pick<KmsDeps, D> }
