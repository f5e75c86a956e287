import type { Migration } from '../../store/index.js'
import { type SlashingMigration, slashingMigrations } from '../slashing/index.js'
import { SignerServiceError } from './errors.js'

/** Migration domain of the signer's key table. */
export const SIGNER_KEYS_DOMAIN = 'signer'
/** Migration domain of the slashing-protection tables (kept apart so their history maps 1:1 to `slashingMigrations`). */
export const SIGNER_SLASHING_DOMAIN = 'signer.slashing'

/**
 * The signer's key table. One row per loaded validator key; the secret itself is sealed in `store.secrets`
 * under `signer/bls/<pubkeyhex>`. `attestation` is the hex VersionedAttestation over `blsKeyReportData(pubkey)`.
 * Deleting a key deletes its row and secret; its slashing history stays in the slashing tables.
 */
export const signerKeyMigrations: Migration[] = [
  {
    id: 1,
    name: 'signer keys: pubkey, origin, path, uuid, attestation',
    up: (db) =>
      db.exec(`
        CREATE TABLE signer_keys (
          pubkey TEXT PRIMARY KEY CHECK (length(pubkey) = 96),
          origin TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
          path TEXT NOT NULL,
          uuid TEXT,
          attestation TEXT NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;`),
  },
]

/**
 * Adapt `slashingMigrations` (string ids `slashing-NNNN`) to the store's numeric migration ids: `slashing-0001`
 * becomes 1, and so on. Throws on an id of another shape, so a renamed migration is caught at start-up instead
 * of being silently re-applied.
 */
export function slashingStoreMigrations(list: readonly SlashingMigration[] = slashingMigrations): Migration[] {
  return list.map((m) => {
    const match = /^slashing-(\d{4,})$/.exec(m.id)
    const id = match ? Number(match[1]) : Number.NaN
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new SignerServiceError(
        'SIGNER_BAD_CONFIG',
        `slashing migration id "${m.id}" is not of the form slashing-NNNN`,
      )
    }
    return { id, name: m.name, up: (db) => m.up(db) }
  })
}
