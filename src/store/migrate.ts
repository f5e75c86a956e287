import { StoreError } from './errors.js'
import type { SqliteDatabase } from './openDatabase.js'

/** One schema step of a domain. Ids are positive integers, applied in ascending order, never reused. */
export interface Migration {
  id: number
  name: string
  up: (db: SqliteDatabase) => void
}

export interface MigrateResult {
  /** ids applied by this call, in order */
  applied: number[]
  /** highest applied id after the call (0 when the domain has none) */
  version: number
}

const ensureTable = (db: SqliteDatabase) =>
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    domain TEXT NOT NULL,
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (domain, id)
  )`)

function checkList(domain: string, migrations: readonly Migration[]): Migration[] {
  if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(domain))
    throw new StoreError('STORE_BAD_MIGRATIONS', `migration domain "${domain}" must be a short lowercase name`)
  const seen = new Set<number>()
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.id) || m.id < 1)
      throw new StoreError('STORE_BAD_MIGRATIONS', `${domain}: migration id ${String(m.id)} must be a positive integer`)
    if (seen.has(m.id)) throw new StoreError('STORE_BAD_MIGRATIONS', `${domain}: migration id ${m.id} is used twice`)
    if (typeof m.name !== 'string' || m.name === '')
      throw new StoreError('STORE_BAD_MIGRATIONS', `${domain}: migration ${m.id} needs a name`)
    seen.add(m.id)
  }
  return [...migrations].sort((a, b) => a.id - b.id)
}

/**
 * Bring `domain`'s schema up to date. Each migration runs in its own IMMEDIATE transaction together
 * with its `schema_migrations` row, so a failing step leaves the previous steps applied and itself
 * not at all. Refuses to touch a database whose history has ids this code does not know (a newer
 * Custos wrote it, or the history was edited).
 */
export function migrate(
  db: SqliteDatabase,
  domain: string,
  migrations: readonly Migration[],
  opts: { now?: () => number } = {},
): MigrateResult {
  const list = checkList(domain, migrations)
  const now = opts.now ?? Date.now
  ensureTable(db)
  const known = new Map(list.map((m) => [m.id, m]))
  const maxKnown = list.length > 0 ? list[list.length - 1]!.id : 0
  const readApplied = () =>
    db.prepare('SELECT id, name FROM schema_migrations WHERE domain = ? ORDER BY id').all(domain) as Array<{
      id: number
      name: string
    }>

  const verify = (rows: Array<{ id: number; name: string }>) => {
    for (const row of rows) {
      if (row.id > maxKnown)
        throw new StoreError(
          'STORE_SCHEMA_TOO_NEW',
          `database schema for "${domain}" is at migration ${row.id} but this Custos knows only up to ${maxKnown}: ` +
            'the data directory was written by a newer Custos; run that version (downgrades are not supported)',
          { domain, dbVersion: row.id, codeVersion: maxKnown },
        )
      const m = known.get(row.id)
      if (!m || m.name !== row.name)
        throw new StoreError(
          'STORE_MIGRATION_MISMATCH',
          `database migration ${domain}#${row.id} ("${row.name}") does not match this Custos ` +
            `(${m ? `"${m.name}"` : 'unknown id'}); the data directory belongs to a different build`,
          { domain, id: row.id },
        )
    }
  }
  verify(readApplied())

  const insert = db.prepare('INSERT INTO schema_migrations (domain, id, name, applied_at) VALUES (?, ?, ?, ?)')
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE domain = ? AND id = ?')
  const applied: number[] = []
  for (const m of list) {
    const step = db.transaction(() => {
      // Re-check inside the write lock: another connection may have migrated meanwhile.
      if (isApplied.get(domain, m.id)) return false
      try {
        m.up(db)
      } catch (e) {
        throw new StoreError(
          'STORE_MIGRATION_FAILED',
          `migration ${domain}#${m.id} (${m.name}) failed and was rolled back: ${(e as Error).message}`,
          { domain, id: m.id },
          { cause: e },
        )
      }
      insert.run(domain, m.id, m.name, now())
      return true
    })
    if (step.immediate()) applied.push(m.id)
  }
  const rows = readApplied()
  verify(rows)
  return { applied, version: rows.length > 0 ? rows[rows.length - 1]!.id : 0 }
}
