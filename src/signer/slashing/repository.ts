import type { Database, Statement } from 'better-sqlite3'
import type { HighWatermark, LowWatermarks, SignedAttestationRecord, SignedBlockRecord } from './types.js'
import { keyToU64, u64ToKey } from './u64.js'

type Key = Buffer
type Root = Uint8Array | null
interface ValidatorRow {
  id: number
  genesis_validators_root: Buffer
}
interface AttRow {
  source_epoch: Buffer
  target_epoch: Buffer
  signing_root: Buffer | null
}

const toRoot = (r: Buffer | null): Root => (r === null ? null : new Uint8Array(r))
const toU64 = (k: Buffer | null | undefined): bigint | null => (k == null ? null : keyToU64(k))
const minMerge = (col: string) => `${col} = min(coalesce(${col}, excluded.${col}), coalesce(excluded.${col}, ${col}))`

/**
 * The only place that knows the SQL and the key encoding (u64 → 8-byte big-endian BLOB). All statements are
 * prepared once. Callers run these inside their own transaction; nothing here opens one.
 */
export class SlashingRepository {
  private readonly s: Record<string, Statement>

  constructor(readonly db: Database) {
    const p = (sql: string) => db.prepare(sql)
    this.s = {
      validator: p('SELECT id, genesis_validators_root FROM slashing_validators WHERE pubkey = ?'),
      insertValidator: p('INSERT INTO slashing_validators (pubkey, genesis_validators_root) VALUES (?, ?)'),
      validatorsByGvr: p(
        'SELECT id, pubkey FROM slashing_validators WHERE genesis_validators_root = ? ORDER BY pubkey',
      ),
      blockAt: p('SELECT signing_root FROM slashing_signed_blocks WHERE validator_id = ? AND slot = ?'),
      maxSlot: p('SELECT max(slot) FROM slashing_signed_blocks WHERE validator_id = ?').pluck(),
      insertBlock: p('INSERT INTO slashing_signed_blocks (validator_id, slot, signing_root) VALUES (?, ?, ?)'),
      // Import merge: identical roots stay, anything else (other root, or NULL on either side) becomes NULL.
      mergeBlock: p(`INSERT INTO slashing_signed_blocks (validator_id, slot, signing_root) VALUES (?, ?, ?)
        ON CONFLICT (validator_id, slot) DO UPDATE SET signing_root =
          CASE WHEN signing_root = excluded.signing_root THEN signing_root ELSE NULL END`),
      blocks: p('SELECT slot, signing_root FROM slashing_signed_blocks WHERE validator_id = ? ORDER BY slot'),
      attsAtTarget: p(`SELECT source_epoch, target_epoch, signing_root FROM slashing_signed_attestations
        WHERE validator_id = ? AND target_epoch = ?`),
      // new.source < old.source AND old.target < new.target (scans only sources above the new one)
      surrounded: p(`SELECT source_epoch, target_epoch, signing_root FROM slashing_signed_attestations
        INDEXED BY slashing_signed_attestations_by_source
        WHERE validator_id = ? AND source_epoch > ? AND target_epoch < ? LIMIT 1`),
      // old.source < new.source AND new.target < old.target (scans only targets above the new one)
      surrounding: p(`SELECT source_epoch, target_epoch, signing_root FROM slashing_signed_attestations
        WHERE validator_id = ? AND target_epoch > ? AND +source_epoch < ? LIMIT 1`),
      maxSource: p('SELECT max(source_epoch) FROM slashing_signed_attestations WHERE validator_id = ?').pluck(),
      maxTarget: p('SELECT max(target_epoch) FROM slashing_signed_attestations WHERE validator_id = ?').pluck(),
      insertAtt: p(`INSERT INTO slashing_signed_attestations (validator_id, source_epoch, target_epoch, signing_root)
        VALUES (?, ?, ?, ?)`),
      mergeAtt: p(`INSERT INTO slashing_signed_attestations (validator_id, source_epoch, target_epoch, signing_root)
        VALUES (?, ?, ?, ?) ON CONFLICT (validator_id, target_epoch, source_epoch) DO UPDATE SET signing_root =
          CASE WHEN signing_root = excluded.signing_root THEN signing_root ELSE NULL END`),
      atts: p(`SELECT source_epoch, target_epoch, signing_root FROM slashing_signed_attestations
        WHERE validator_id = ? ORDER BY target_epoch, source_epoch`),
      watermarks: p(`SELECT min_block_slot, min_source_epoch, min_target_epoch FROM slashing_low_watermarks
        WHERE validator_id = ?`),
      lowerWatermarks: p(`INSERT INTO slashing_low_watermarks (validator_id, min_block_slot, min_source_epoch,
        min_target_epoch) VALUES (?, ?, ?, ?) ON CONFLICT (validator_id) DO UPDATE SET
        ${minMerge('min_block_slot')}, ${minMerge('min_source_epoch')}, ${minMerge('min_target_epoch')}`),
      highWatermark: p('SELECT epoch, slot FROM slashing_high_watermark WHERE id = 1'),
      setHighWatermark: p(`INSERT INTO slashing_high_watermark (id, epoch, slot) VALUES (1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, slot = excluded.slot`),
      removeHighWatermark: p('DELETE FROM slashing_high_watermark'),
      maxLowWatermarks: p(`SELECT max(min_block_slot) AS slot, max(min_source_epoch) AS source,
        max(min_target_epoch) AS target FROM slashing_low_watermarks`),
    }
  }

  validator(pubkey: Uint8Array): { id: number; gvr: Uint8Array } | undefined {
    const row = this.s.validator!.get(pubkey) as ValidatorRow | undefined
    return row && { id: row.id, gvr: new Uint8Array(row.genesis_validators_root) }
  }

  insertValidator(pubkey: Uint8Array, gvr: Uint8Array): number {
    return Number(this.s.insertValidator!.run(pubkey, gvr).lastInsertRowid)
  }

  validatorsByGvr(gvr: Uint8Array): Array<{ id: number; pubkey: Uint8Array }> {
    const rows = this.s.validatorsByGvr!.all(gvr) as Array<{ id: number; pubkey: Buffer }>
    return rows.map((r) => ({ id: r.id, pubkey: new Uint8Array(r.pubkey) }))
  }

  /** undefined: nothing recorded at this slot; otherwise the recorded root (null = unknown). */
  blockRootAt(vid: number, slot: bigint): Root | undefined {
    const row = this.s.blockAt!.get(vid, u64ToKey(slot)) as { signing_root: Buffer | null } | undefined
    return row && toRoot(row.signing_root)
  }

  maxBlockSlot(vid: number): bigint | null {
    return toU64(this.s.maxSlot!.get(vid) as Key | null)
  }

  insertBlock(vid: number, slot: bigint, root: Root): void {
    this.s.insertBlock!.run(vid, u64ToKey(slot), root)
  }

  mergeBlock(vid: number, slot: bigint, root: Root): void {
    this.s.mergeBlock!.run(vid, u64ToKey(slot), root)
  }

  blocks(vid: number): SignedBlockRecord[] {
    const rows = this.s.blocks!.all(vid) as Array<{ slot: Buffer; signing_root: Buffer | null }>
    return rows.map((r) => ({ slot: keyToU64(r.slot), signingRoot: toRoot(r.signing_root) }))
  }

  attestationsAtTarget(vid: number, target: bigint): SignedAttestationRecord[] {
    return (this.s.attsAtTarget!.all(vid, u64ToKey(target)) as AttRow[]).map(toAtt)
  }

  /** A recorded attestation that the new one (source, target) would surround, if any. */
  findSurroundedBy(vid: number, source: bigint, target: bigint): SignedAttestationRecord | undefined {
    const row = this.s.surrounded!.get(vid, u64ToKey(source), u64ToKey(target)) as AttRow | undefined
    return row && toAtt(row)
  }

  /** A recorded attestation that surrounds the new one (source, target), if any. */
  findSurrounding(vid: number, source: bigint, target: bigint): SignedAttestationRecord | undefined {
    const row = this.s.surrounding!.get(vid, u64ToKey(target), u64ToKey(source)) as AttRow | undefined
    return row && toAtt(row)
  }

  maxSourceEpoch(vid: number): bigint | null {
    return toU64(this.s.maxSource!.get(vid) as Key | null)
  }

  maxTargetEpoch(vid: number): bigint | null {
    return toU64(this.s.maxTarget!.get(vid) as Key | null)
  }

  insertAttestation(vid: number, source: bigint, target: bigint, root: Root): void {
    this.s.insertAtt!.run(vid, u64ToKey(source), u64ToKey(target), root)
  }

  mergeAttestation(vid: number, source: bigint, target: bigint, root: Root): void {
    this.s.mergeAtt!.run(vid, u64ToKey(source), u64ToKey(target), root)
  }

  attestations(vid: number): SignedAttestationRecord[] {
    return (this.s.atts!.all(vid) as AttRow[]).map(toAtt)
  }

  lowWatermarks(vid: number): LowWatermarks {
    const row = this.s.watermarks!.get(vid) as
      | { min_block_slot: Buffer | null; min_source_epoch: Buffer | null; min_target_epoch: Buffer | null }
      | undefined
    return {
      minBlockSlot: toU64(row?.min_block_slot),
      minSourceEpoch: toU64(row?.min_source_epoch),
      minTargetEpoch: toU64(row?.min_target_epoch),
    }
  }

  /** The high watermark for all keys, or null when none is set. */
  highWatermark(): HighWatermark | null {
    const row = this.s.highWatermark!.get() as { epoch: Buffer; slot: Buffer } | undefined
    return row ? { epoch: keyToU64(row.epoch), slot: keyToU64(row.slot) } : null
  }

  setHighWatermark(hw: HighWatermark): void {
    this.s.setHighWatermark!.run(u64ToKey(hw.epoch), u64ToKey(hw.slot))
  }

  removeHighWatermark(): void {
    this.s.removeHighWatermark!.run()
  }

  /** The highest low watermarks over all keys (null = none of that kind). */
  maxLowWatermarks(): { slot: bigint | null; epoch: bigint | null } {
    const r = this.s.maxLowWatermarks!.get() as { slot: Buffer | null; source: Buffer | null; target: Buffer | null }
    const source = toU64(r.source)
    const target = toU64(r.target)
    const epoch = source === null ? target : target === null ? source : source > target ? source : target
    return { slot: toU64(r.slot), epoch }
  }

  /** Merge by minimum: an import only ever lowers a watermark (it adds older knowledge), never raises it. */
  lowerWatermarks(vid: number, w: LowWatermarks): void {
    const k = (n: bigint | null) => (n === null ? null : u64ToKey(n))
    this.s.lowerWatermarks!.run(vid, k(w.minBlockSlot), k(w.minSourceEpoch), k(w.minTargetEpoch))
  }
}

function toAtt(r: AttRow): SignedAttestationRecord {
  return {
    sourceEpoch: keyToU64(r.source_epoch),
    targetEpoch: keyToU64(r.target_epoch),
    signingRoot: toRoot(r.signing_root),
  }
}
