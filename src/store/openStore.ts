import { hkdfSync } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { SecretBytes } from '../crypto/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { StoreError } from './errors.js'
import { type MigrateResult, type Migration, migrate } from './migrate.js'
import { type OpenDatabaseOptions, openDatabase, type SqliteDatabase } from './openDatabase.js'
import { RecordStore } from './recordStore.js'
import { seal, unseal } from './seal.js'
import { SecretStore } from './secretStore.js'

/** File name of the database inside the data directory. */
export const STORE_FILE = 'custos.db'
/** Migration domain the store itself uses; other domains pick their own names (kms, signer, mpc, …). */
export const STORE_DOMAIN = 'store'

const STORE_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'sealed secrets, records, meta',
    up: (db) =>
      db.exec(`
        CREATE TABLE sealed_secrets (
          name TEXT PRIMARY KEY,
          blob BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE records (
          name TEXT PRIMARY KEY,
          json TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE store_meta (
          key TEXT PRIMARY KEY,
          value BLOB NOT NULL
        );`),
  },
]

const KEY_INFO = 'custos/store/v1/aes-256-gcm'
const KEY_CHECK_AAD = new TextEncoder().encode('custos/store/v1/key-check')
const KEY_CHECK_PLAINTEXT = new TextEncoder().encode('custos sealed store key check v1')

export interface OpenStoreOptions extends OpenDatabaseOptions {
  /** directory holding `custos.db` (created with mode 0700 if missing) */
  dataDir: string
  /** 32-byte key from the TEE (`TeePlatform.sealingKey()`); the store derives its own AES key from it */
  sealingKey: SecretBytes
  logger?: Logger
  /** clock for created_at / applied_at (ms); tests pin it */
  now?: () => number
}

export interface Store {
  readonly db: SqliteDatabase
  /** path of the database file */
  readonly path: string
  readonly secrets: SecretStore
  readonly records: RecordStore
  /** Apply a domain's migrations (see `migrate`). The domain "store" is reserved. */
  migrate(domain: string, migrations: readonly Migration[]): MigrateResult
  /** Run `fn` in one IMMEDIATE transaction (nested calls become savepoints); `fn` must be synchronous. */
  transaction<T>(fn: () => T): T
  /** Close the database and wipe the derived key. Idempotent. */
  close(): void
}

/** HKDF-SHA256 the TEE sealing key into the store's own AES-256-GCM key (domain separation). */
export function deriveStoreKey(sealingKey: SecretBytes): SecretBytes {
  if (!(sealingKey instanceof SecretBytes) || sealingKey.length !== 32)
    throw new StoreError('STORE_BAD_KEY', 'the sealing key must be 32 bytes in SecretBytes')
  const okm = hkdfSync('sha256', sealingKey.expose(), new Uint8Array(0), KEY_INFO, 32)
  return new SecretBytes(new Uint8Array(okm))
}

/** Seal a constant on first open; on later opens, a key that cannot open it is refused up front. */
function checkKey(db: SqliteDatabase, key: SecretBytes, path: string): 'created' | 'ok' {
  return db
    .transaction(() => {
      const row = db.prepare("SELECT value FROM store_meta WHERE key = 'key_check'").get() as
        | { value: Uint8Array }
        | undefined
      if (!row) {
        db.prepare("INSERT INTO store_meta (key, value) VALUES ('key_check', ?)").run(
          seal(key, KEY_CHECK_AAD, KEY_CHECK_PLAINTEXT),
        )
        return 'created' as const
      }
      try {
        unseal(key, KEY_CHECK_AAD, row.value).wipe()
      } catch {
        throw new StoreError(
          'STORE_WRONG_SEALING_KEY',
          `the data in ${path} was sealed under a different sealing key (another machine, or another enclave ` +
            'measurement / signer); it cannot be opened here. Restore from the matching TEE, re-onboard from a peer, ' +
            'or move the data directory away to start fresh',
          { path },
        )
      }
      return 'ok' as const
    })
    .immediate()
}

/**
 * Open the node's store at `<dataDir>/custos.db`: SQLite (WAL, synchronous FULL), the store's own
 * migrations applied, the sealing key checked against the data already there.
 */
export function openStore(opts: OpenStoreOptions): Store {
  const log = opts.logger ?? nullLogger
  const now = opts.now ?? Date.now
  const key = deriveStoreKey(opts.sealingKey)
  const path = join(opts.dataDir, STORE_FILE)
  let db: SqliteDatabase
  try {
    db = openDatabase(path, opts)
  } catch (e) {
    key.wipe()
    throw e
  }
  try {
    migrate(db, STORE_DOMAIN, STORE_MIGRATIONS, { now })
    const check = checkKey(db, key, path)
    log.info({ path, keyCheck: check }, 'store opened')
    const mode = statSync(opts.dataDir).mode & 0o777
    if (mode & 0o077)
      log.warn(
        { dataDir: opts.dataDir, mode: mode.toString(8) },
        'data directory is accessible to other users; chmod 700 it',
      )
  } catch (e) {
    db.close()
    key.wipe()
    throw e
  }
  const secrets = new SecretStore(db, key, { logger: log, now })
  const records = new RecordStore(db, { now })
  let closed = false
  return {
    db,
    path,
    secrets,
    records,
    migrate(domain, migrations) {
      if (domain === STORE_DOMAIN)
        throw new StoreError('STORE_BAD_MIGRATIONS', `migration domain "${STORE_DOMAIN}" is reserved for the store`)
      const r = migrate(db, domain, migrations, { now })
      if (r.applied.length > 0) log.info({ domain, applied: r.applied, version: r.version }, 'migrations applied')
      return r
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate()
    },
    close() {
      if (closed) return
      closed = true
      db.close()
      key.wipe()
      log.debug({ path }, 'store closed')
    },
  }
}
