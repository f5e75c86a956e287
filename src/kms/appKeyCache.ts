import {
  deriveAppK256Key,
  deriveEnvCryptKey,
  envEncryptPublicKey,
  PREFIX_ENV_ENCRYPT_PUBKEY,
  SecretBytes,
  signMessage,
  toHex,
} from '../crypto/index.js'

/**
 * A bounded LRU of values derived from one root key and an app id (one purpose per instance). Every instance of
 * an app asks for the same values, so each is derived once per app. It holds nothing the root key in this process
 * could not re-derive at once; `wipe` clears an evicted value's secrets. Entries belong to the root they were
 * derived from: asked with another root, the cache drops (and wipes) everything first.
 */
class PerAppLru<V> {
  readonly #entries = new Map<string, V>()
  #root: SecretBytes | undefined

  constructor(
    private readonly max: number,
    private readonly wipe: (value: V) => void,
  ) {}

  get(root: SecretBytes, appId: Uint8Array, derive: () => V): V {
    if (this.#root !== root) {
      for (const v of this.#entries.values()) this.wipe(v)
      this.#entries.clear()
      this.#root = root
    }
    const id = toHex(appId)
    const hit = this.#entries.get(id)
    if (hit) {
      this.#entries.delete(id)
      this.#entries.set(id, hit)
      return hit
    }
    const value = derive()
    this.#entries.set(id, value)
    if (this.#entries.size > this.max) {
      const [oldest, evicted] = this.#entries.entries().next().value as [string, V]
      this.#entries.delete(oldest)
      this.wipe(evicted)
    }
    return value
  }
}

interface AppK256 {
  key: SecretBytes
  signature: Uint8Array
}

/**
 * The app k256 key and its 65-byte KMS signature depend on the app id alone (not the instance), and cost two
 * secp256k1 scalar multiplications plus an RFC 6979 signature — most of a GetAppKey.
 */
export class AppK256Cache {
  readonly #lru: PerAppLru<AppK256>

  constructor(max = 1024) {
    this.#lru = new PerAppLru(max, (v) => v.key.wipe())
  }

  get(rootK256: SecretBytes, appId: Uint8Array): AppK256 {
    return this.#lru.get(rootK256, appId, () => {
      const d = deriveAppK256Key(rootK256.expose(), appId)
      return { key: new SecretBytes(d.key), signature: d.signature }
    })
  }
}

/** What the env-encryption key of an app gives, per app: its secret (GetAppKey) and public half (GetAppEnvEncryptPubKey). */
interface AppEnvKey {
  /** env_crypt_key (unclamped X25519 secret) */
  key: SecretBytes
  /** X25519 public key of `key` */
  publicKey: Uint8Array
  /** legacy signature by the root k256 key over the public key (the timestamped one is made per request) */
  signature: Uint8Array
}

/**
 * env_crypt_key = derive_dh_secret(root CA key, [app_id, "env-encrypt-key"]) depends on the app id alone: an HKDF,
 * a P-256 base-point multiplication and a hash per GetAppKey. Its public half and legacy signature are only
 * derived when GetAppEnvEncryptPubKey asks (the rest of the fleet never needs them).
 */
export class AppEnvKeyCache {
  readonly #keys: PerAppLru<SecretBytes>
  readonly #public: PerAppLru<{ publicKey: Uint8Array; signature: Uint8Array }>

  constructor(max = 1024) {
    this.#keys = new PerAppLru(max, (k) => k.wipe())
    this.#public = new PerAppLru(max, () => {})
  }

  /** env_crypt_key of `appId` (the cache's own bytes: callers copy or encode, never modify). */
  key(rootCa: SecretBytes, appId: Uint8Array): SecretBytes {
    return this.#keys.get(rootCa, appId, () => new SecretBytes(deriveEnvCryptKey(rootCa.expose(), appId)))
  }

  /** The public half and its legacy signature, as `appEnvEncryptPubKey` computes them. */
  publicKey(rootCa: SecretBytes, rootK256: SecretBytes, appId: Uint8Array): Omit<AppEnvKey, 'key'> {
    // keyed by the root CA key; the signing root k256 key is the same material's, replaced only together
    return this.#public.get(rootCa, appId, () => {
      const publicKey = envEncryptPublicKey(this.key(rootCa, appId).expose())
      return { publicKey, signature: signMessage(rootK256.expose(), PREFIX_ENV_ENCRYPT_PUBKEY, appId, publicKey) }
    })
  }
}
