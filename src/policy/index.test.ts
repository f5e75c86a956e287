import { describe, expect, it } from 'vitest'
import * as policy from './index.js'

describe('policy public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(policy).sort()).toEqual(
      [
        'DENY',
        'EVM_DEFAULT_MAX_STALENESS_MS',
        'EVM_DEFAULT_TIMEOUT_MS',
        'EVM_RPC_UNREACHABLE',
        'EVM_UNAVAILABLE',
        'EvmPolicy',
        'createEvmRpc',
        'followCommittee',
        'readCommittee',
        'watchCommittee',
        'AUTH_BACKEND_UNAVAILABLE',
        'AUTH_INVALID_REQUEST',
        'AuthInfoResponseSchema',
        'BootAuthRequestSchema',
        'BootAuthResponseSchema',
        'WEBHOOK_DEFAULT_TIMEOUT_MS',
        'WEBHOOK_UNAVAILABLE',
        'WebhookPolicy',
        'bootInfoFromRequest',
        'createAuthApp',
        'identityFromBootInfo',
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
