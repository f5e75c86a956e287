import { describe, expect, it } from 'vitest'
import { healthcheckBody } from './healthcheckBody.js'

describe('healthcheckBody', () => {
  it("uses Web3Signer's check ids (HealthCheckNames), keys-check nested with keys-loaded / error-count", () => {
    expect(healthcheckBody({ ok: true, keys: 3, keyErrors: 0, slashingDb: true })).toEqual({
      status: 'UP',
      checks: [
        { id: 'default-check', status: 'UP' },
        {
          id: 'keys-check',
          status: 'UP',
          checks: [{ id: 'keystores-bulk-loading', status: 'UP', data: { 'keys-loaded': 3, 'error-count': 0 } }],
        },
        { id: 'slashing-protection-db-health-check', status: 'UP' },
      ],
      outcome: 'UP',
    })
  })

  it('a key that failed to load or a dead slashing database is DOWN, and so is the outcome', () => {
    const keys = healthcheckBody({ ok: false, keys: 2, keyErrors: 1, slashingDb: true })
    expect(keys).toMatchObject({ status: 'DOWN', outcome: 'DOWN' })
    expect(keys.checks[1]).toMatchObject({ id: 'keys-check', status: 'DOWN' })
    const db = healthcheckBody({ ok: false, keys: 2, keyErrors: 0, slashingDb: false })
    expect(db.checks[2]).toEqual({ id: 'slashing-protection-db-health-check', status: 'DOWN' })
    expect(db.checks[1]).toMatchObject({ status: 'UP' })
  })
})
