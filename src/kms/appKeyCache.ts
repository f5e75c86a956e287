import { deriveAppK256Key, SecretBytes, toHex } from '../crypto/index.js'

interface AppK256 {
  key: SecretBytes
  signature: Uint8Array
}

/**
 * The app k256 key and its 65-byte KMS signature depend on the app id alone (not the instance), and cost two
 * secp256k1 scalar multiplications plus an RFC 6979 signature — most of a GetAppKey. Every instance of an app
 * asks for the same pair, so a bounded LRU keeps them. It holds nothing the root key in this process could
 * not re-derive at once; entries are wiped on eviction.
 */
export class AppK256Cache {
  readonly #entries = new Map<string, AppK256>()

  constructor(private readonly max = 1024) {}

  get(rootK256: SecretBytes, appId: Uint8Array): AppK256 {
    const id = toHex(appId)
    const hit = this.#entries.get(id)
    if (hit) {
      this.#entries.delete(id)
      this.#entries.set(id, hit)
      return hit
    }
    const d = deriveAppK256Key(rootK256.expose(), appId)
    const entry = { key: new SecretBytes(d.key), signature: d.signature }
    this.#entries.set(id, entry)
    if (this.#entries.size > this.max) {
      const [oldest, value] = this.#entries.entries().next().value as [string, AppK256]
      this.#entries.delete(oldest)
      value.key.wipe()
    }
    return entry
  }
}
