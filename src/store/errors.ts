import { defineErrors } from '../errors.js'

/**
 * Errors of the sealed store. None of them carries secret bytes, sealed blobs or key material;
 * `meta` holds record names, ids and paths only.
 */
export const StoreError = defineErrors('StoreError', {
  /** a sealed blob did not open: wrong sealing key, tampered bytes, or moved to another record */
  STORE_UNSEAL_FAILED: 500,
  /** the sealing key is not 32 bytes */
  STORE_BAD_KEY: 500,
  /** the data dir was sealed under a different key (other machine or other enclave measurement) */
  STORE_WRONG_SEALING_KEY: 500,
  /** the database was migrated by a newer Custos than this one */
  STORE_SCHEMA_TOO_NEW: 500,
  /** the migration history in the database does not match the code */
  STORE_MIGRATION_MISMATCH: 500,
  /** a migration list given by the code is malformed (duplicate or non-positive ids) */
  STORE_BAD_MIGRATIONS: 500,
  /** a migration's `up` threw; its transaction was rolled back */
  STORE_MIGRATION_FAILED: 500,
  /** a record name is empty, too long or uses characters outside the allowed set */
  STORE_INVALID_NAME: 400,
  /** a value is not what the store accepts (not SecretBytes, not JSON-serialisable, too large) */
  STORE_INVALID_VALUE: 400,
  /** a stored JSON record could not be parsed */
  STORE_CORRUPT_RECORD: 500,
  /** the database could not be opened (permissions, path, journal mode) */
  STORE_OPEN_FAILED: 500,
})
export type StoreError = InstanceType<typeof StoreError>
