import { SecretBytes } from '../crypto/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { StoreError } from './errors.js'
import type { SqliteDatabase } from './openDatabase.js'
import { assertRecordName, prefixFilter } from './recordName.js'
import { seal, secretAad, unseal } from './seal.js'

/** Largest secret the store accepts (keyshares and keys are far smaller). */
export const MAX_SECRET_BYTES = 1024 * 1024

/**
 * Named secrets sealed with AES-256-GCM in table `sealed_secrets`. Each blob's AAD carries its name,
 * so rows cannot be swapped. Writing an existing name replaces it (created_at is kept).
 */
export class SecretStore {
  readonly #db: SqliteDatabase
  readonly #key: SecretBytes
  readonly #log: Logger
  readonly #now: () => number

  constructor(db: SqliteDatabase, sealingKey: SecretBytes, opts: { logger?: Logger; now?: () => number } = {}) {
    this.#db = db
    this.#key = sealingKey
    this.#log = opts.logger ?? nullLogger
    this.#now = opts.now ?? Date.now
  }

  /** The unsealed secret, or undefined when no record has this name. Throws STORE_UNSEAL_FAILED on a bad blob. */
  get(name: string): SecretBytes | undefined {
    assertRecordName(name)
    const row = this.#db.prepare('SELECT blob FROM sealed_secrets WHERE name = ?').get(name) as
      | { blob: Uint8Array }
      | undefined
    if (!row) return undefined
    try {
      return unseal(this.#key, secretAad(name), row.blob)
    } catch (e) {
      this.#log.error({ name }, 'sealed secret did not open')
      throw e
    }
  }

  has(name: string): boolean {
    assertRecordName(name)
    return this.#db.prepare('SELECT 1 FROM sealed_secrets WHERE name = ?').get(name) !== undefined
  }

  put(name: string, value: SecretBytes): void {
    this.putAll({ [name]: value })
  }

  /** Seal and write every entry in ONE transaction: either all are stored or none. */
  putAll(entries: Record<string, SecretBytes>): void {
    const upsert = this.#db.prepare(
      `INSERT INTO sealed_secrets (name, blob, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET blob = excluded.blob, updated_at = excluded.updated_at`,
    )
    const names = Object.keys(entries)
    this.#db
      .transaction(() => {
        const t = this.#now()
        for (const name of names) {
          assertRecordName(name)
          const value = entries[name]
          if (!(value instanceof SecretBytes))
            throw new StoreError('STORE_INVALID_VALUE', `secret "${name}" must be a SecretBytes value`, { name })
          if (value.length > MAX_SECRET_BYTES)
            throw new StoreError('STORE_INVALID_VALUE', `secret "${name}" is larger than ${MAX_SECRET_BYTES} bytes`, {
              name,
            })
          upsert.run(name, seal(this.#key, secretAad(name), value.expose()), t, t)
        }
      })
      .immediate()
    if (names.length > 0) this.#log.debug({ names }, 'sealed secrets written')
  }

  /** Remove a secret; true when it existed. */
  delete(name: string): boolean {
    assertRecordName(name)
    const r = this.#db.prepare('DELETE FROM sealed_secrets WHERE name = ?').run(name)
    if (r.changes > 0) this.#log.debug({ name }, 'sealed secret deleted')
    return r.changes > 0
  }

  /** Names in ascending order, optionally only those starting with `prefix`. */
  names(prefix = ''): string[] {
    const f = prefixFilter(prefix)
    const rows = this.#db.prepare(`SELECT name FROM sealed_secrets ${f.where} ORDER BY name`).all(...f.args) as Array<{
      name: string
    }>
    return rows.map((r) => r.name)
  }
}
