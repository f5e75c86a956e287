import type { Store } from '../../store/index.js'

/** A row of `signer_keys` (pubkey: lowercase hex without 0x). */
export interface SignerKeyRow {
  pubkey: string
  origin: 'generated' | 'imported'
  path: string
  uuid: string | null
  /** hex VersionedAttestation over blsKeyReportData(pubkey) */
  attestation: string
  createdAt: number
}

/** Name of a key's sealed secret in `store.secrets`. */
export const secretName = (pubkeyHex: string): string => `signer/bls/${pubkeyHex}`

/** SQL access to `signer_keys`; the only code that knows the table. Writes run inside the caller's transaction. */
export class KeyRepository {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  all(): SignerKeyRow[] {
    const rows = this.#store.db
      .prepare(
        'SELECT pubkey, origin, path, uuid, attestation, created_at AS createdAt FROM signer_keys ORDER BY created_at, pubkey',
      )
      .all() as SignerKeyRow[]
    return rows
  }

  has(pubkeyHex: string): boolean {
    return this.#store.db.prepare('SELECT 1 FROM signer_keys WHERE pubkey = ?').get(pubkeyHex) !== undefined
  }

  insert(row: SignerKeyRow): void {
    this.#store.db
      .prepare(
        'INSERT INTO signer_keys (pubkey, origin, path, uuid, attestation, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(row.pubkey, row.origin, row.path, row.uuid, row.attestation, row.createdAt)
  }

  delete(pubkeyHex: string): boolean {
    return this.#store.db.prepare('DELETE FROM signer_keys WHERE pubkey = ?').run(pubkeyHex).changes > 0
  }
}
