import type { SignerHealth } from '../service/index.js'

const up = (ok: boolean) => (ok ? 'UP' : 'DOWN')

/**
 * `GET /healthcheck` as Web3Signer builds it (Vert.x health checks named in core/config/HealthCheckNames.java;
 * a name with a `/` becomes a nested group, see acceptance-tests HealthCheckResultUtil):
 * - `default-check`: always UP while the server answers;
 * - `keys-check` / `keystores-bulk-loading`: `data: {keys-loaded, error-count}`, DOWN when a stored key failed to
 *   load (Web3Signer: `Status.KO` when the error count is not zero);
 * - `slashing-protection-db-health-check`: the slashing database answers.
 * `status` and `outcome` are UP only when every check is.
 */
export function healthcheckBody(h: SignerHealth) {
  const keysOk = h.keyErrors === 0
  const status = up(h.ok)
  return {
    status,
    checks: [
      { id: 'default-check', status: 'UP' },
      {
        id: 'keys-check',
        status: up(keysOk),
        checks: [
          {
            id: 'keystores-bulk-loading',
            status: up(keysOk),
            data: { 'keys-loaded': h.keys, 'error-count': h.keyErrors },
          },
        ],
      },
      { id: 'slashing-protection-db-health-check', status: up(h.slashingDb) },
    ],
    outcome: status,
  }
}
