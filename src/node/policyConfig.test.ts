import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'
import { policyConfigFromNode } from './policyConfig.js'

describe('policyConfigFromNode', () => {
  it('maps the [policy] evm_* keys', () => {
    const kms = `0x${'11'.repeat(20)}`
    const committee = `0x${'22'.repeat(20)}`
    const cfg = loadConfig('/tmp/custos-home', '', {
      policy: {
        backend: 'evm',
        evm_rpc_url: 'http://127.0.0.1:8545',
        evm_chain_id: 10,
        evm_kms_contract: kms,
        evm_committee_contract: committee,
        evm_max_staleness_ms: 0,
      },
    })
    expect(policyConfigFromNode(cfg)).toMatchObject({
      backend: 'evm',
      rpcUrl: 'http://127.0.0.1:8545',
      chainId: 10,
      kmsContract: kms,
      committeeContract: committee,
      maxStalenessMs: 0,
    })
  })

  it('leaves unset evm keys out (defaults: chain 31337, staleness 2000 ms)', () => {
    const pc = policyConfigFromNode(loadConfig('/tmp/custos-home', ''))
    expect(pc.backend).toBe('static')
    expect(pc.rpcUrl).toBeUndefined()
    expect(pc.kmsContract).toBeUndefined()
    expect(pc.committeeContract).toBeUndefined()
    expect(pc).toMatchObject({ chainId: 31337, maxStalenessMs: 2000 })
  })
})
