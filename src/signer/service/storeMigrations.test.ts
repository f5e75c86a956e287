import { describe, expect, it } from 'vitest'
import { slashingMigrations } from '../slashing/index.js'
import { resolveSignerNetwork } from './signerNetwork.js'
import { slashingStoreMigrations } from './storeMigrations.js'

describe('slashingStoreMigrations', () => {
  it('maps slashing-NNNN ids to store ids, keeping names', () => {
    const out = slashingStoreMigrations()
    expect(out.map((m) => m.id)).toEqual(slashingMigrations.map((_, i) => i + 1))
    expect(out.map((m) => m.name)).toEqual(slashingMigrations.map((m) => m.name))
  })

  it('refuses an id of another shape', () => {
    expect(() => slashingStoreMigrations([{ id: 'slash-1', name: 'x', up() {} }])).toThrow(
      expect.objectContaining({ code: 'SIGNER_BAD_CONFIG' }),
    )
  })
})

describe('resolveSignerNetwork', () => {
  it('knows mainnet and requires the GVR for custom networks', () => {
    expect(resolveSignerNetwork({ network: 'hoodi' }).genesisValidatorsRoot).toHaveLength(32)
    expect(() => resolveSignerNetwork({ network: 'custom' })).toThrow(
      expect.objectContaining({ code: 'SIGNER_BAD_CONFIG' }),
    )
    expect(() => resolveSignerNetwork({ network: 'goerli' })).toThrow(
      expect.objectContaining({ code: 'SIGNER_BAD_CONFIG' }),
    )
    const custom = resolveSignerNetwork({
      network: 'custom',
      genesisValidatorsRoot: `0x${'11'.repeat(32)}`,
      genesisForkVersion: '0x10000000',
    })
    expect([custom.name, custom.genesisForkVersion]).toEqual(['custom', Uint8Array.from([0x10, 0, 0, 0])])
    expect(() => resolveSignerNetwork({ network: 'mainnet', genesisValidatorsRoot: '0x11' })).toThrow(
      expect.objectContaining({ code: 'SIGNER_BAD_CONFIG' }),
    )
  })
})
