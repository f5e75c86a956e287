import { defineErrors } from '../errors.js'

export const NodeError = defineErrors('NodeError', {
  NODE_CONFIG_INVALID: 400,
  NODE_CONFIG_NOT_FOUND: 400,
  NODE_SIMULATED_REFUSED: 400,
  /** an insecure_* relaxation (debug TDs, self authorization off) configured without --dev */
  NODE_INSECURE_REFUSED: 400,
  /** another process (pid in meta) holds the data directory's custos.lock */
  NODE_DATA_DIR_LOCKED: 409,
  NODE_BAD_REQUEST: 400,
  NODE_BODY_TOO_LARGE: 413,
  NODE_NOT_FOUND: 404,
  /** the sealed store's KMS records do not fit together (tampered or partly restored database) */
  NODE_STORE_INCONSISTENT: 500,
})
export type NodeError = InstanceType<typeof NodeError>
