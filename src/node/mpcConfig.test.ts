import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'

const evm = (mpc: Record<string, unknown> = {}, policy: Record<string, unknown> = {}) =>
  loadConfig('/tmp/custos-home', '', {
    policy: { evm_rpc_url: 'http://127.0.0.1:8545', evm_committee_contract: `0x${'11'.repeat(20)}`, ...policy },
    mpc: { enabled: true, committee_source: 'evm', evm_account_key_file: 'account.key', ...mpc },
  })

describe('[mpc] committee_source', () => {
  it('defaults to the committee file; the evm settings have documented defaults', () => {
    const c = loadConfig('/tmp/custos-home', '')
    expect(c.mpc.committee_source).toBe('file')
    expect(c.mpc.evm_account_key_file).toBe('')
    expect(c.mpc.evm_poll_interval_ms).toBe(1000)
  })

  it('"evm" reads the chain [policy] names (any backend) and needs the account key file', () => {
    expect(evm().mpc.committee_source).toBe('evm')
    expect(evm().policy.backend).toBe('static')
    expect(() => evm({}, { evm_committee_contract: '' })).toThrow(
      /mpc\.committee_source: .*needs \[policy\] evm_rpc_url and evm_committee_contract/,
    )
    expect(() => evm({}, { evm_rpc_url: '' })).toThrow(/evm_rpc_url and evm_committee_contract/)
    expect(() => evm({ evm_account_key_file: '' })).toThrow(/mpc\.evm_account_key_file: .*needs evm_account_key_file/)
    expect(() => evm({ committee_source: 'chain' })).toThrow(/mpc\.committee_source/)
    // a disabled committee is not checked
    expect(evm({ enabled: false, evm_account_key_file: '' }).mpc.enabled).toBe(false)
  })
})
