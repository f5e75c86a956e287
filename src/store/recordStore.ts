import { SecretBytes } from '../crypto/index.js'
import { StoreError } from './errors.js'
import type { SqliteDatabase } from './openDatabase.js'
import { assertRecordName, prefixFilter } from './recordName.js'

/** Largest JSON document the store accepts, in characters. */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024

function serialize(name: string, value: unknown): string {
  let text: string | undefined
  try {
    // `this[k]` is the value before toJSON() ran (SecretBytes.toJSON would hide it as "[secret]").
    text = JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
      const raw = this[k]
      if (raw instanceof SecretBytes) throw new Error('contains SecretBytes (store those with secrets.put)')
      if (raw instanceof Uint8Array) throw new Error('contains raw bytes (encode them as hex first)')
      return v
    })
  } catch (e) {
    throw new StoreError('STORE_INVALID_VALUE', `record "${name}" is not plain JSON: ${(e as Error).message}`, {
      name,
    })
  }
  if (text === undefined)
    throw new StoreError('STORE_INVALID_VALUE', `record "${name}" has no JSON value (undefined or a function)`, {
      name,
    })
  if (text.length > MAX_RECORD_CHARS)
    throw new StoreError('STORE_INVALID_VALUE', `record "${name}" is larger than ${MAX_RECORD_CHARS} characters`, {
      name,
    })
  return text
}

/**
 * Non-secret JSON documents (bootstrap info, certificates, public keys) in table `records`,
 * stored in clear. Use `SecretStore` for anything secret: SecretBytes values are refused here.
 */
export class RecordStore {
  readonly #db: SqliteDatabase
  readonly #now: () => number

  constructor(db: SqliteDatabase, opts: { now?: () => number } = {}) {
    this.#db = db
    this.#now = opts.now ?? Date.now
  }

  getJson<T = unknown>(name: string): T | undefined {
    assertRecordName(name)
    const row = this.#db.prepare('SELECT json FROM records WHERE name = ?').get(name) as { json: string } | undefined
    if (!row) return undefined
    try {
      return JSON.parse(row.json) as T
    } catch {
      throw new StoreError('STORE_CORRUPT_RECORD', `record "${name}" is not valid JSON in the database`, { name })
    }
  }

  has(name: string): boolean {
    assertRecordName(name)
    return this.#db.prepare('SELECT 1 FROM records WHERE name = ?').get(name) !== undefined
  }

  putJson(name: string, value: unknown): void {
    this.putAll({ [name]: value })
  }

  /** Write every document in ONE transaction: either all are stored or none. */
  putAll(entries: Record<string, unknown>): void {
    const upsert = this.#db.prepare(
      `INSERT INTO records (name, json, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    )
    this.#db
      .transaction(() => {
        const t = this.#now()
        for (const [name, value] of Object.entries(entries)) {
          assertRecordName(name)
          upsert.run(name, serialize(name, value), t, t)
        }
      })
      .immediate()
  }

  delete(name: string): boolean {
    assertRecordName(name)
    return this.#db.prepare('DELETE FROM records WHERE name = ?').run(name).changes > 0
  }

  names(prefix = ''): string[] {
    const f = prefixFilter(prefix)
    const rows = this.#db.prepare(`SELECT name FROM records ${f.where} ORDER BY name`).all(...f.args) as Array<{
      name: string
    }>
    return rows.map((r) => r.name)
  }
}
