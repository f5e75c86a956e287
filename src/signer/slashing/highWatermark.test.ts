import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { doc, GVR, memoryProtection, pk, root } from '../../../test/support/slashing.js'
import { applyMigrations } from './migrations.js'
import { SlashingProtection } from './slashingProtection.js'

const K = pk(1)
const BEYOND = 'SIGNER_SLASHABLE_BEYOND_HIGH_WATERMARK'

describe('high watermark (Web3Signer semantics: an operator-set ceiling for all keys)', () => {
  it('is null until set, and does not follow what gets signed', () => {
    const { sp } = memoryProtection()
    expect(sp.highWatermark()).toBeNull()
    sp.checkAndRecordBlock(K, 1000n, root(1), GVR)
    sp.checkAndRecordAttestation(K, 30n, 31n, root(1), GVR)
    expect(sp.highWatermark()).toBeNull()
  })

  it('refuses blocks at or past its slot and attestations with source or target at or past its epoch', () => {
    for (const strategy of ['complete', 'minimal'] as const) {
      const { sp } = memoryProtection({ strategy })
      sp.setHighWatermark({ epoch: 10n, slot: 320n })
      expect(sp.highWatermark()).toEqual({ epoch: 10n, slot: 320n })
      expect(sp.checkAndRecordBlock(K, 319n, root(1), GVR)).toBe('recorded')
      expect(codeOf(() => sp.checkAndRecordBlock(K, 320n, root(2), GVR))).toBe(BEYOND)
      expect(codeOf(() => sp.checkAndRecordBlock(pk(2), 321n, root(2), GVR))).toBe(BEYOND) // every key
      expect(sp.checkAndRecordAttestation(K, 8n, 9n, root(1), GVR)).toBe('recorded')
      expect(codeOf(() => sp.checkAndRecordAttestation(K, 9n, 10n, root(2), GVR))).toBe(BEYOND)
      expect(codeOf(() => sp.checkAndRecordAttestation(K, 10n, 11n, root(2), GVR))).toBe(BEYOND)
      // source > target keeps its own code
      expect(codeOf(() => sp.checkAndRecordAttestation(K, 12n, 11n, root(2), GVR))).toBe(
        'SIGNER_SLASHABLE_SOURCE_AFTER_TARGET',
      )
    }
  })

  it('refuses even a repeat of data signed before it was set (checked before same-data, as Web3Signer)', () => {
    const { sp } = memoryProtection()
    sp.checkAndRecordBlock(K, 500n, root(1), GVR)
    sp.setHighWatermark({ epoch: 10n, slot: 500n })
    expect(codeOf(() => sp.checkAndRecordBlock(K, 500n, root(1), GVR))).toBe(BEYOND)
  })

  it('refused messages are not recorded; after removal they sign', () => {
    const { sp, db } = memoryProtection()
    sp.setHighWatermark({ epoch: 1n, slot: 32n })
    expect(codeOf(() => sp.checkAndRecordBlock(K, 40n, root(1), GVR))).toBe(BEYOND)
    expect(db.prepare('SELECT count(*) FROM slashing_signed_blocks').pluck().get()).toBe(0)
    sp.removeHighWatermark()
    expect(sp.highWatermark()).toBeNull()
    expect(sp.checkAndRecordBlock(K, 40n, root(1), GVR)).toBe('recorded')
  })

  it('a group commit refuses only the messages beyond it', () => {
    const { sp } = memoryProtection()
    sp.setHighWatermark({ epoch: 5n, slot: 160n })
    const r = sp.checkAndRecordBatch(
      [
        { kind: 'block', pubkey: K, slot: 100n, signingRoot: root(1) },
        { kind: 'block', pubkey: K, slot: 200n, signingRoot: root(1) },
        { kind: 'attestation', pubkey: K, source: 3n, target: 4n, signingRoot: root(1) },
        { kind: 'attestation', pubkey: K, source: 4n, target: 5n, signingRoot: root(1) },
      ],
      GVR,
    )
    expect(r.map((x) => x.ok)).toEqual([true, false, true, false])
  })

  it('cannot be set at or below an imported low watermark (Web3Signer check_high_watermarks)', () => {
    const { sp } = memoryProtection()
    sp.importInterchange(
      doc([{ pubkey: K, blocks: [{ slot: '100' }], atts: [{ source_epoch: '2', target_epoch: '3' }] }]),
      GVR,
    )
    expect(codeOf(() => sp.setHighWatermark({ epoch: 10n, slot: 100n }))).toBe('SIGNER_HIGH_WATERMARK_INVALID')
    expect(codeOf(() => sp.setHighWatermark({ epoch: 3n, slot: 200n }))).toBe('SIGNER_HIGH_WATERMARK_INVALID')
    expect(sp.highWatermark()).toBeNull()
    sp.setHighWatermark({ epoch: 4n, slot: 101n })
    expect(sp.highWatermark()).toEqual({ epoch: 4n, slot: 101n })
    expect(codeOf(() => sp.setHighWatermark({ epoch: -1n, slot: 1n }))).toBe('SIGNER_SLASHING_BAD_INPUT')
  })

  it('set through one connection, it is enforced by the next commit on another (the commit worker case)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-hw-'))
    try {
      const path = join(dir, 'db.sqlite')
      const a = new Database(path)
      a.pragma('journal_mode = WAL')
      applyMigrations(a)
      const b = new Database(path)
      const spA = new SlashingProtection(a)
      const spB = new SlashingProtection(b)
      expect(spB.checkAndRecordBlock(K, 50n, root(1), GVR)).toBe('recorded')
      spA.setHighWatermark({ epoch: 2n, slot: 60n })
      expect(codeOf(() => spB.checkAndRecordBlock(K, 61n, root(1), GVR))).toBe(BEYOND)
      expect(spB.highWatermark()).toEqual({ epoch: 2n, slot: 60n })
      a.close()
      b.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
