import type { Database, Transaction } from 'better-sqlite3'
import { equalBytes, toHex } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import { checkAttestation } from './checkAttestation.js'
import { checkBlock } from './checkBlock.js'
import { SlashingError } from './errors.js'
import { exportInterchange } from './exportInterchange.js'
import {
  assertHighWatermarkAboveLowWatermarks,
  checkAttestationBelowHighWatermark,
  checkBlockBelowHighWatermark,
} from './highWatermark.js'
import { importInterchange } from './importInterchange.js'
import type { InterchangeV5Json } from './interchangeV5.js'
import { SlashingRepository } from './repository.js'
import type {
  HighWatermark,
  ImportSummary,
  SignOutcome,
  SlashingCheck,
  SlashingCheckResult,
  SlashingStrategy,
} from './types.js'
import { assertBytes, assertU64 } from './u64.js'

export interface SlashingProtectionOptions {
  /** Default 'complete' (full history, re-signing identical data allowed). See types.ts for both strategies. */
  strategy?: SlashingStrategy
  logger?: Logger
}

/**
 * EIP-3076 slashing protection over a better-sqlite3 database (schema: `slashingMigrations`, applied beforehand).
 *
 * Every check-and-record is ONE synchronous `BEGIN IMMEDIATE` transaction: the write lock is taken before the
 * check, so two connections (or processes) on one file serialise, and the record is committed before the call
 * returns — sign only after it returns. The constructor raises `synchronous` to FULL so a commit survives power
 * loss in WAL mode too. Each key is bound to the genesis_validators_root it was first used or imported with.
 */
export class SlashingProtection {
  readonly strategy: SlashingStrategy
  private readonly repo: SlashingRepository
  private readonly log: Logger
  private readonly blockTx: Transaction<
    (pk: Uint8Array, slot: bigint, root: Uint8Array, gvr: Uint8Array) => SignOutcome
  >
  private readonly batchTx: Transaction<(body: () => void) => void>
  private readonly setHwTx: Transaction<(hw: HighWatermark) => void>
  private readonly attTx: Transaction<
    (pk: Uint8Array, source: bigint, target: bigint, root: Uint8Array, gvr: Uint8Array) => SignOutcome
  >

  constructor(db: Database, options: SlashingProtectionOptions = {}) {
    this.strategy = options.strategy ?? 'complete'
    if (this.strategy !== 'minimal' && this.strategy !== 'complete') {
      throw new SlashingError('SIGNER_SLASHING_BAD_INPUT', "strategy must be 'minimal' or 'complete'", {
        field: 'strategy',
      })
    }
    this.log = (options.logger ?? nullLogger).child({ module: 'slashing', strategy: this.strategy })
    const hasSchema = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'slashing_validators'")
    if (!hasSchema.get()) throw new Error('slashing-protection tables are missing: apply slashingMigrations first')
    if ((db.pragma('synchronous', { simple: true }) as number) < 2) db.pragma('synchronous = FULL')
    this.repo = new SlashingRepository(db)
    this.blockTx = db.transaction((pk, slot, root, gvr) => {
      const vid = this.validatorId(pk, gvr)
      checkBlockBelowHighWatermark(this.repo, slot)
      const outcome = checkBlock(this.repo, vid, this.strategy, slot, root)
      if (outcome === 'recorded') this.repo.insertBlock(vid, slot, root)
      return outcome
    })
    this.batchTx = db.transaction((body) => body())
    this.setHwTx = db.transaction((hw) => {
      assertHighWatermarkAboveLowWatermarks(this.repo, hw)
      this.repo.setHighWatermark(hw)
    })
    this.attTx = db.transaction((pk, source, target, root, gvr) => {
      const vid = this.validatorId(pk, gvr)
      // source > target is refused by checkAttestation with its own code, as Web3Signer checks it first
      if (source <= target) checkAttestationBelowHighWatermark(this.repo, source, target)
      const outcome = checkAttestation(this.repo, vid, this.strategy, source, target, root)
      if (outcome === 'recorded') this.repo.insertAttestation(vid, source, target, root)
      return outcome
    })
  }

  /** Check a block proposal against the history and record it, atomically. Throws SlashingError (412) if slashable. */
  checkAndRecordBlock(pubkey: Uint8Array, slot: bigint, signingRoot: Uint8Array, gvr: Uint8Array): SignOutcome {
    assertBytes(pubkey, 48, 'pubkey')
    assertU64(slot, 'slot')
    assertBytes(signingRoot, 32, 'signingRoot')
    assertBytes(gvr, 32, 'genesisValidatorsRoot')
    try {
      return this.blockTx.immediate(pubkey, slot, signingRoot, gvr)
    } catch (err) {
      this.logRefusal(err, pubkey, 'block')
      throw err
    }
  }

  /** Check an attestation against the history and record it, atomically. Throws SlashingError (412) if slashable. */
  checkAndRecordAttestation(
    pubkey: Uint8Array,
    sourceEpoch: bigint,
    targetEpoch: bigint,
    signingRoot: Uint8Array,
    gvr: Uint8Array,
  ): SignOutcome {
    assertBytes(pubkey, 48, 'pubkey')
    assertU64(sourceEpoch, 'sourceEpoch')
    assertU64(targetEpoch, 'targetEpoch')
    assertBytes(signingRoot, 32, 'signingRoot')
    assertBytes(gvr, 32, 'genesisValidatorsRoot')
    try {
      return this.attTx.immediate(pubkey, sourceEpoch, targetEpoch, signingRoot, gvr)
    } catch (err) {
      this.logRefusal(err, pubkey, 'attestation')
      throw err
    }
  }

  /**
   * Group commit: check and record every message of `checks` inside ONE `BEGIN IMMEDIATE` transaction, each in its
   * own savepoint and in array order (two messages for one key are decided one after the other; a refusal rolls
   * back only itself), then commit once — one fsync for the whole batch. When this returns, every `ok` result is
   * durable; when it throws (disk full, I/O, busy), nothing of the batch was recorded and nothing may be signed.
   */
  checkAndRecordBatch(checks: readonly SlashingCheck[], gvr: Uint8Array): SlashingCheckResult[] {
    assertBytes(gvr, 32, 'genesisValidatorsRoot')
    const results: SlashingCheckResult[] = []
    this.batchTx.immediate(() => {
      for (const c of checks) {
        try {
          const outcome =
            c.kind === 'block'
              ? this.checkAndRecordBlock(c.pubkey, c.slot, c.signingRoot, gvr)
              : this.checkAndRecordAttestation(c.pubkey, c.source, c.target, c.signingRoot, gvr)
          results.push({ ok: true, outcome })
        } catch (error) {
          results.push({ ok: false, error })
        }
      }
    })
    return results
  }

  /** Import an EIP-3076 v5 document (object or JSON text) for `expectedGvr`; all or nothing. */
  importInterchange(json: unknown, expectedGvr: Uint8Array): ImportSummary {
    assertBytes(expectedGvr, 32, 'genesisValidatorsRoot')
    const summary = importInterchange(this.repo, json, expectedGvr)
    this.log.info({ ...summary }, 'slashing interchange imported')
    return summary
  }

  /** Export the history of keys bound to `gvr` (all, or only `pubkeys`) as an EIP-3076 v5 document. */
  exportInterchange(gvr: Uint8Array, pubkeys?: Uint8Array[]): InterchangeV5Json {
    assertBytes(gvr, 32, 'genesisValidatorsRoot')
    for (const pk of pubkeys ?? []) assertBytes(pk, 48, 'pubkey')
    return exportInterchange(this.repo, gvr, pubkeys)
  }

  /** The high watermark for all keys (Web3Signer `GET /api/v1/eth2/highWatermark`), or null when none is set. */
  highWatermark(): HighWatermark | null {
    return this.repo.highWatermark()
  }

  /**
   * Set the high watermark (Web3Signer `watermark-repair --set-high-watermark --epoch --slot`): from the next
   * commit on, only blocks below `slot` and attestations with source and target below `epoch` are signed.
   * SIGNER_HIGH_WATERMARK_INVALID (400) if it is not above every imported low watermark.
   */
  setHighWatermark(hw: HighWatermark): void {
    assertU64(hw.epoch, 'epoch')
    assertU64(hw.slot, 'slot')
    this.setHwTx.immediate(hw)
    this.log.warn({ epoch: hw.epoch.toString(), slot: hw.slot.toString() }, 'slashing high watermark set')
  }

  /** Remove the high watermark (Web3Signer `watermark-repair --remove-high-watermark`). */
  removeHighWatermark(): void {
    this.repo.removeHighWatermark()
    this.log.warn({}, 'slashing high watermark removed')
  }

  /** Keys with a history bound to `gvr`. */
  listPubkeys(gvr: Uint8Array): Uint8Array[] {
    assertBytes(gvr, 32, 'genesisValidatorsRoot')
    return this.repo.validatorsByGvr(gvr).map((v) => v.pubkey)
  }

  private validatorId(pubkey: Uint8Array, gvr: Uint8Array): number {
    const v = this.repo.validator(pubkey)
    if (!v) return this.repo.insertValidator(pubkey, gvr)
    if (!equalBytes(v.gvr, gvr)) {
      throw new SlashingError(
        'SIGNER_SLASHING_GVR_MISMATCH',
        'this key is bound to another genesis_validators_root; refusing to sign for a different network',
        { pubkey: `0x${toHex(pubkey)}` },
      )
    }
    return v.id
  }

  private logRefusal(err: unknown, pubkey: Uint8Array, kind: string): void {
    if (err instanceof SlashingError) {
      this.log.warn({ pubkey: `0x${toHex(pubkey)}`, kind, code: err.code, ...err.meta }, 'slashing protection refused')
    }
  }
}
