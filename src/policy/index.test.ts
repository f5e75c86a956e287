import { describe, expect, it } from 'vitest'
import * as policy from './index.js'

describe('policy public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(policy).sort()).toEqual(
      [
        'DENY',
        'DEV_POLICY_REASON',
        'DevPolicy',
        'PolicyError',
        'StaticPolicy',
        'StaticPolicySchema',
        'TEE_VARIANT_OF',
        'buildStaticPolicy',
        'createPolicy',
        'evaluateStaticPolicy',
        'normalizeHex',
        'parseStaticPolicy',
        'policyFormatOf',
        'serializeStaticPolicy',
        'toBootInfo',
        'validateStaticPolicy',
        'writeExamplePolicy',
        'writeStaticPolicy',
      ].sort(),
    )
  })
})
