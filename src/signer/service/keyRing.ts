import { equalBytes, fromHex } from '../../crypto/index.js'
import { explain } from '../../errors.js'
import type { Logger } from '../../log.js'
import type { Store } from '../../store/index.js'
import { SignerError } from '../errors.js'
import { getBls } from '../keys/index.js'
import { KeyRepository, secretName } from './keyRepository.js'
import type { LoadedKey, SignerKeyInfo } from './types.js'

/** A loaded key as the service lists it (no secret). */
export const keyInfo = ({ row }: LoadedKey): SignerKeyInfo => ({
  pubkey: `0x${row.pubkey}`,
  origin: row.origin,
  path: row.path,
  uuid: row.uuid,
  createdAt: row.createdAt,
})

/**
 * The signer's keys: sealed secrets in `store.secrets` + rows in `signer_keys`, and the unsealed copies in memory
 * that `sign` uses. Only the in-memory map decides whether a key can sign.
 */
export class KeyRing {
  readonly repo: KeyRepository
  readonly #store: Store
  readonly #log: Logger
  #keys = new Map<string, LoadedKey>()

  constructor(store: Store, log: Logger) {
    this.#store = store
    this.#log = log
    this.repo = new KeyRepository(store)
  }

  get size(): number {
    return this.#keys.size
  }

  get(hex: string): LoadedKey | undefined {
    return this.#keys.get(hex)
  }

  /** The loaded key for `hex`; SIGNER_UNKNOWN_KEY (404) when none is loaded. */
  loaded(hex: string): LoadedKey {
    const key = this.#keys.get(hex)
    if (!key) throw new SignerError('SIGNER_UNKNOWN_KEY', 'no key with this public key is loaded in this signer')
    return key
  }

  /** Loaded or stored (a stored key that failed to load still counts). */
  known(hex: string): boolean {
    return this.#keys.has(hex) || this.repo.has(hex)
  }

  values(): LoadedKey[] {
    return [...this.#keys.values()]
  }

  /** Write keys (after `first`, in the same transaction), then make them usable. */
  persist(keys: LoadedKey[], first?: () => void): void {
    this.#store.transaction(() => {
      first?.()
      for (const k of keys) {
        this.#store.secrets.put(secretName(k.row.pubkey), k.secretKey)
        this.repo.insert(k.row)
      }
    })
    for (const k of keys) this.#keys.set(k.row.pubkey, k)
  }

  /** Stop a key from signing (memory only); returns it if it was loaded. */
  disable(hex: string): LoadedKey | undefined {
    const key = this.#keys.get(hex)
    this.#keys.delete(hex)
    return key
  }

  /** Delete a key's secret and row in one transaction. */
  removeStored(hex: string): void {
    this.#store.transaction(() => {
      this.#store.secrets.delete(secretName(hex))
      this.repo.delete(hex)
    })
  }

  /** (Re)load every stored key, checking each secret against its public key; returns how many failed. */
  load(): number {
    const next = new Map<string, LoadedKey>()
    let errors = 0
    for (const row of this.repo.all()) {
      try {
        const secretKey = this.#store.secrets.get(secretName(row.pubkey))
        if (!secretKey) throw new Error('sealed secret missing')
        const publicKey = fromHex(row.pubkey)
        if (!equalBytes(getBls().publicKey(secretKey.expose()), publicKey)) {
          secretKey.wipe()
          throw new Error('sealed secret does not match the public key')
        }
        next.set(row.pubkey, { row, publicKey, secretKey })
      } catch (e) {
        errors++
        const reason = explain(e, e instanceof Error ? e.message : 'unknown')
        this.#log.error({ pubkey: `0x${row.pubkey}`, reason }, 'signer key not loaded')
      }
    }
    const old = this.#keys
    this.#keys = next
    for (const k of old.values()) k.secretKey.wipe()
    return errors
  }

  wipeAll(): void {
    for (const k of this.#keys.values()) k.secretKey.wipe()
    this.#keys.clear()
  }
}
