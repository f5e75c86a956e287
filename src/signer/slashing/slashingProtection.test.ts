import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { doc, GVR, hex, memoryProtection, OTHER_GVR, pk, root } from '../../../test/support/slashing.js'
import { SlashingError } from './errors.js'
import { applyMigrations } from './migrations.js'
import { SlashingProtection } from './slashingProtection.js'

const K = pk(1)

describe('blocks (complete)', () => {
  it('refuses a second block at a slot, allows re-signing identical data without re-inserting', () => {
    const { sp, db } = memoryProtection()
    expect(sp.checkAndRecordBlock(K, 10n, root(1), GVR)).toBe('recorded')
    expect(sp.checkAndRecordBlock(K, 10n, root(1), GVR)).toBe('same_data')
    expect(codeOf(() => sp.checkAndRecordBlock(K, 10n, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
    expect(db.prepare('SELECT count(*) FROM slashing_signed_blocks').pluck().get()).toBe(1)
    // complete: history without imports has no watermark, older free slots are fine
    expect(sp.checkAndRecordBlock(K, 9n, root(3), GVR)).toBe('recorded')
  })

  it('a zero signing root is a real value, an imported missing root matches nothing', () => {
    const { sp } = memoryProtection()
    expect(sp.checkAndRecordBlock(K, 3n, root(0), GVR)).toBe('recorded')
    expect(sp.checkAndRecordBlock(K, 3n, root(0), GVR)).toBe('same_data')
    sp.importInterchange(doc([{ pubkey: K, blocks: [{ slot: '7' }] }]), GVR)
    expect(codeOf(() => sp.checkAndRecordBlock(K, 7n, root(0), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
  })

  it('refuses slots at or below the lowest imported slot unless it is a repeat signing', () => {
    const { sp } = memoryProtection()
    sp.importInterchange(
      doc([{ pubkey: K, blocks: [{ slot: '20', signing_root: hex(root(5)) }, { slot: '30' }] }]),
      GVR,
    )
    expect(sp.checkAndRecordBlock(K, 20n, root(5), GVR)).toBe('same_data')
    expect(codeOf(() => sp.checkAndRecordBlock(K, 19n, root(1), GVR))).toBe('SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK')
    expect(sp.checkAndRecordBlock(K, 21n, root(1), GVR)).toBe('recorded') // gap above the watermark is allowed
    expect(codeOf(() => sp.checkAndRecordBlock(K, 30n, root(1), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
  })
})

describe('blocks (minimal)', () => {
  it('refuses anything at or below the highest slot, including identical data', () => {
    const { sp } = memoryProtection({ strategy: 'minimal' })
    sp.checkAndRecordBlock(K, 10n, root(1), GVR)
    expect(codeOf(() => sp.checkAndRecordBlock(K, 10n, root(1), GVR))).toBe('SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK')
    expect(codeOf(() => sp.checkAndRecordBlock(K, 10n, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
    expect(codeOf(() => sp.checkAndRecordBlock(K, 9n, root(2), GVR))).toBe('SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK')
    expect(sp.checkAndRecordBlock(K, 11n, root(2), GVR)).toBe('recorded')
  })
})

describe('attestations (complete)', () => {
  it('checks in order: source > target, double vote, surround, watermarks', () => {
    const { sp } = memoryProtection()
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 5n, 4n, root(1), GVR))).toBe(
      'SIGNER_SLASHABLE_SOURCE_AFTER_TARGET',
    )
    expect(sp.checkAndRecordAttestation(K, 10n, 20n, root(1), GVR)).toBe('recorded')
    expect(sp.checkAndRecordAttestation(K, 10n, 20n, root(1), GVR)).toBe('same_data')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 10n, 20n, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 11n, 20n, root(1), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 9n, 21n, root(3), GVR))).toBe('SIGNER_SLASHABLE_SURROUNDING')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 11n, 19n, root(3), GVR))).toBe('SIGNER_SLASHABLE_SURROUNDED')
    // touching edges are not surrounds (the consensus rule is strict on both ends)
    expect(sp.checkAndRecordAttestation(K, 10n, 21n, root(4), GVR)).toBe('recorded')
    expect(sp.checkAndRecordAttestation(K, 9n, 19n, root(5), GVR)).toBe('recorded')
    expect(sp.checkAndRecordAttestation(K, 0n, 0n, root(6), GVR)).toBe('recorded') // genesis, no watermark yet
  })

  it('surround detection sees through many unrelated records', () => {
    const { sp } = memoryProtection()
    for (let e = 1n; e <= 200n; e++) sp.checkAndRecordAttestation(K, e - 1n, e, root(Number(e % 250n)), GVR)
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 50n, 300n, root(1), GVR))).toBe('SIGNER_SLASHABLE_SURROUNDING')
    expect(sp.checkAndRecordAttestation(K, 200n, 300n, root(1), GVR)).toBe('recorded')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 201n, 250n, root(2), GVR))).toBe('SIGNER_SLASHABLE_SURROUNDED')
  })

  it('enforces imported low watermarks: source < min source, target <= min target', () => {
    const { sp } = memoryProtection()
    sp.importInterchange(doc([{ pubkey: K, atts: [{ source_epoch: '5', target_epoch: '15' }] }]), GVR)
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 4n, 16n, root(1), GVR))).toBe('SIGNER_SLASHABLE_SURROUNDING')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 4n, 4n, root(1), GVR))).toBe(
      'SIGNER_SLASHABLE_SOURCE_BELOW_WATERMARK',
    )
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 5n, 14n, root(1), GVR))).toBe(
      'SIGNER_SLASHABLE_TARGET_BELOW_WATERMARK',
    )
    expect(sp.checkAndRecordAttestation(K, 5n, 16n, root(1), GVR)).toBe('recorded')
  })
})

describe('attestations (minimal)', () => {
  it('requires source >= max source and target > max target; no re-signing', () => {
    const { sp } = memoryProtection({ strategy: 'minimal' })
    sp.checkAndRecordAttestation(K, 10n, 20n, root(1), GVR)
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 10n, 20n, root(1), GVR))).toBe(
      'SIGNER_SLASHABLE_TARGET_BELOW_WATERMARK',
    )
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 10n, 20n, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 9n, 25n, root(2), GVR))).toBe(
      'SIGNER_SLASHABLE_SOURCE_BELOW_WATERMARK',
    )
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 12n, 18n, root(2), GVR))).toBe(
      'SIGNER_SLASHABLE_TARGET_BELOW_WATERMARK',
    )
    expect(sp.checkAndRecordAttestation(K, 10n, 21n, root(2), GVR)).toBe('recorded')
  })
})

describe('binding, inputs, u64', () => {
  it('binds a key to its first genesis_validators_root', () => {
    const { sp } = memoryProtection()
    sp.checkAndRecordBlock(K, 1n, root(1), GVR)
    expect(codeOf(() => sp.checkAndRecordBlock(K, 2n, root(1), OTHER_GVR))).toBe('SIGNER_SLASHING_GVR_MISMATCH')
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 1n, 2n, root(1), OTHER_GVR))).toBe(
      'SIGNER_SLASHING_GVR_MISMATCH',
    )
    expect(sp.checkAndRecordBlock(pk(2), 2n, root(1), OTHER_GVR)).toBe('recorded')
    expect(sp.listPubkeys(GVR)).toEqual([K])
    expect(sp.listPubkeys(OTHER_GVR)).toEqual([pk(2)])
  })

  it('a refused first request does not bind the key (the transaction rolled back)', () => {
    const { sp } = memoryProtection()
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 3n, 2n, root(1), OTHER_GVR))).toBe(
      'SIGNER_SLASHABLE_SOURCE_AFTER_TARGET',
    )
    expect(sp.checkAndRecordAttestation(K, 2n, 3n, root(1), GVR)).toBe('recorded')
  })

  it('rejects wrong lengths, negative and > u64 values with SIGNER_SLASHING_BAD_INPUT (400)', () => {
    const { sp } = memoryProtection()
    const bad = [
      () => sp.checkAndRecordBlock(new Uint8Array(47), 1n, root(1), GVR),
      () => sp.checkAndRecordBlock(K, 1n, new Uint8Array(31), GVR),
      () => sp.checkAndRecordBlock(K, 1n, root(1), new Uint8Array(33)),
      () => sp.checkAndRecordBlock(K, -1n, root(1), GVR),
      () => sp.checkAndRecordBlock(K, 1n << 64n, root(1), GVR),
      () => sp.checkAndRecordAttestation(K, 1 as unknown as bigint, 2n, root(1), GVR),
    ]
    for (const fn of bad) expect(codeOf(fn)).toBe('SIGNER_SLASHING_BAD_INPUT')
    try {
      bad[0]!()
    } catch (err) {
      expect(err).toBeInstanceOf(SlashingError)
      expect((err as SlashingError).status).toBe(400)
    }
  })

  it('slashable refusals are SlashingError with status 412', () => {
    const { sp } = memoryProtection()
    sp.checkAndRecordBlock(K, 1n, root(1), GVR)
    try {
      sp.checkAndRecordBlock(K, 1n, root(2), GVR)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(SlashingError)
      expect((err as SlashingError).status).toBe(412)
      expect((err as SlashingError).meta).toMatchObject({ slot: '1' })
    }
  })

  it('orders u64 values above 2^63 correctly (no i64 overflow)', () => {
    const { sp } = memoryProtection({ strategy: 'minimal' })
    const big = (1n << 63n) + 5n
    sp.checkAndRecordBlock(K, big, root(1), GVR)
    expect(codeOf(() => sp.checkAndRecordBlock(K, 1n << 62n, root(2), GVR))).toBe(
      'SIGNER_SLASHABLE_BLOCK_BELOW_WATERMARK',
    )
    expect(sp.checkAndRecordBlock(K, (1n << 64n) - 1n, root(2), GVR)).toBe('recorded')
    const out = sp.exportInterchange(GVR)
    expect(out.data[0]!.signed_blocks.map((b) => b.slot)).toEqual([big.toString(), '18446744073709551615'])
  })

  it('rejects an unknown strategy; applyMigrations is idempotent', () => {
    const { db } = memoryProtection()
    expect(codeOf(() => new SlashingProtection(db, { strategy: 'lazy' as never }))).toBe('SIGNER_SLASHING_BAD_INPUT')
    expect(applyMigrations(db)).toEqual([])
    expect(() => new SlashingProtection(new Database(':memory:'))).toThrow(/apply slashingMigrations/)
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL: a recorded message survives power loss
  })
})
