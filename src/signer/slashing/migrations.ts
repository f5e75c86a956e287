import type { Database } from 'better-sqlite3'

export interface SlashingMigration {
  /** Stable, namespaced id (never reused). */
  id: string
  name: string
  up(db: Database): void
}

/**
 * Schema. Slots/epochs are 8-byte big-endian BLOBs (see u64.ts); a NULL signing_root means "unknown" and never
 * matches, so any new message at that slot/target is refused. Every key is bound to one genesis_validators_root.
 */
export const slashingMigrations: SlashingMigration[] = [
  {
    id: 'slashing-0001',
    name: 'slashing protection: validators, signed blocks, signed attestations, low watermarks',
    up(db) {
      db.exec(`
        CREATE TABLE slashing_validators (
          id INTEGER PRIMARY KEY,
          pubkey BLOB NOT NULL UNIQUE CHECK (length(pubkey) = 48),
          genesis_validators_root BLOB NOT NULL CHECK (length(genesis_validators_root) = 32)
        ) STRICT;
        CREATE TABLE slashing_signed_blocks (
          validator_id INTEGER NOT NULL REFERENCES slashing_validators (id),
          slot BLOB NOT NULL CHECK (length(slot) = 8),
          signing_root BLOB CHECK (signing_root IS NULL OR length(signing_root) = 32),
          PRIMARY KEY (validator_id, slot)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE slashing_signed_attestations (
          validator_id INTEGER NOT NULL REFERENCES slashing_validators (id),
          source_epoch BLOB NOT NULL CHECK (length(source_epoch) = 8),
          target_epoch BLOB NOT NULL CHECK (length(target_epoch) = 8),
          signing_root BLOB CHECK (signing_root IS NULL OR length(signing_root) = 32),
          PRIMARY KEY (validator_id, target_epoch, source_epoch)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX slashing_signed_attestations_by_source
          ON slashing_signed_attestations (validator_id, source_epoch, target_epoch);
        CREATE TABLE slashing_low_watermarks (
          validator_id INTEGER PRIMARY KEY REFERENCES slashing_validators (id),
          min_block_slot BLOB CHECK (min_block_slot IS NULL OR length(min_block_slot) = 8),
          min_source_epoch BLOB CHECK (min_source_epoch IS NULL OR length(min_source_epoch) = 8),
          min_target_epoch BLOB CHECK (min_target_epoch IS NULL OR length(min_target_epoch) = 8)
        ) STRICT;
      `)
    },
  },
  {
    id: 'slashing-0002',
    name: 'slashing protection: high watermark (one row, for all keys)',
    // Web3Signer keeps its high watermark in the metadata row (V00012__add_highwatermark_metadata.sql): one
    // epoch and one slot that apply to every key. Both are set together, so both columns are NOT NULL here.
    up(db) {
      db.exec(`
        CREATE TABLE slashing_high_watermark (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          epoch BLOB NOT NULL CHECK (length(epoch) = 8),
          slot BLOB NOT NULL CHECK (length(slot) = 8)
        ) STRICT;
      `)
    },
  },
]

/**
 * Minimal runner for tests and standalone use (the node routes `slashingMigrations` through the store's runner).
 * Applies pending migrations in order, each in its own immediate transaction; idempotent.
 */
export function applyMigrations(db: Database, migrations: SlashingMigration[] = slashingMigrations): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS slashing_migrations (id TEXT PRIMARY KEY, name TEXT NOT NULL) STRICT')
  const applied = new Set(db.prepare('SELECT id FROM slashing_migrations').pluck().all() as string[])
  const record = db.prepare('INSERT INTO slashing_migrations (id, name) VALUES (?, ?)')
  const ran: string[] = []
  for (const m of migrations) {
    if (applied.has(m.id)) continue
    db.transaction(() => {
      m.up(db)
      record.run(m.id, m.name)
    }).immediate()
    ran.push(m.id)
  }
  return ran
}
