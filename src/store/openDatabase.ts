import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { StoreError } from './errors.js'

export type SqliteDatabase = Database.Database

export interface OpenDatabaseOptions {
  /** FULL (default) fsyncs the WAL on every commit: a committed key survives power loss. */
  synchronous?: 'FULL' | 'NORMAL'
  /** How long a writer waits for another connection's lock, in ms (default 5000). */
  busyTimeoutMs?: number
}

/**
 * Open (or create) a SQLite database for Custos state: WAL journal, foreign keys on, busy timeout,
 * `synchronous=FULL` unless told otherwise, `secure_delete` on. The file is created with mode 0600
 * (SQLite gives the -wal and -shm files the same mode) and its parent directory with 0700.
 * `':memory:'` opens a private in-memory database (tests).
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): SqliteDatabase {
  const synchronous = opts.synchronous ?? 'FULL'
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
    throw new StoreError('STORE_OPEN_FAILED', `synchronous must be FULL or NORMAL, got ${String(synchronous)}`)
  const inMemory = path === ':memory:'
  let db: SqliteDatabase
  try {
    if (!inMemory) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      // Create the file ourselves so it never exists with the umask's default mode.
      closeSync(openSync(path, 'a', 0o600))
      chmodSync(path, 0o600)
    }
    db = new Database(path)
  } catch (e) {
    throw new StoreError(
      'STORE_OPEN_FAILED',
      `cannot open database ${path}: ${(e as Error).message}; check that the data directory exists and is writable by this user`,
      { path },
      { cause: e },
    )
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`)
    if (!inMemory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true })
      if (mode !== 'wal')
        throw new StoreError(
          'STORE_OPEN_FAILED',
          `database ${path} refused WAL journal mode (got ${String(mode)}); use a local filesystem for the data directory`,
          { path },
        )
    }
    db.pragma(`synchronous = ${synchronous}`)
    db.pragma('foreign_keys = ON')
    db.pragma('secure_delete = ON')
    return db
  } catch (e) {
    db.close()
    throw e
  }
}
