import { randomBytes } from 'node:crypto'
import { toHex } from '../../crypto/index.js'
import { explain } from '../../errors.js'
import { nullLogger } from '../../log.js'
import type { Store } from '../../store/index.js'
import { BlsSignWorker, blsKeyReportData } from '../keys/index.js'
import { sszHasherName } from '../signing/index.js'
import { type HighWatermark, SlashingProtection, type SlashingStrategy } from '../slashing/index.js'
import { deleteKeys } from './deleteKeys.js'
import { SignerServiceError } from './errors.js'
import { generateKey } from './generateKey.js'
import { importKeystores } from './importKeystores.js'
import { KeyedMutex } from './keyedMutex.js'
import { KeyRing, keyInfo } from './keyRing.js'
import { openSlashingCommitter } from './openSlashingCommitter.js'
import { identifierHex } from './pubkeyHex.js'
import { sign } from './sign.js'
import type { SignerNetwork } from './signerNetwork.js'
import { ADMIN_LOCK, type SignerParts } from './signerParts.js'
import {
  SIGNER_KEYS_DOMAIN,
  SIGNER_SLASHING_DOMAIN,
  signerKeyMigrations,
  slashingStoreMigrations,
} from './storeMigrations.js'
import type {
  KeyAttestation,
  KeystoreImport,
  ReloadStatus,
  SignerHealth,
  SignerKeyInfo,
  SignerServiceOptions,
} from './types.js'

/**
 * The validator remote signer: sealed BLS keys, each with an attestation binding its public key, and EIP-3076
 * slashing protection in the node's SQLite store. This class wires the parts (SignerParts) and is the public face;
 * each operation is a module of its own: `sign` (slashing check and record before any signature leaves, see
 * sign.ts), `generateKey`, `importKeystores`, `deleteKeys`. Key import, generation, deletion and reload are
 * serialised among themselves.
 */
export class SignerService {
  readonly network: SignerNetwork
  readonly strategy: SlashingStrategy
  readonly #parts: SignerParts
  readonly #store: Store
  #reload: ReloadStatus = { status: 'idle' }
  /** Stored keys that failed to load at the last start or reload (health). */
  #keyErrors = 0
  #closed = false

  constructor(opts: SignerServiceOptions) {
    if (opts.network?.genesisValidatorsRoot?.length !== 32) {
      throw new SignerServiceError('SIGNER_BAD_CONFIG', 'the signer network needs a 32-byte genesis_validators_root')
    }
    const store = opts.store
    const log = (opts.logger ?? nullLogger).child({ module: 'signer' })
    store.migrate(SIGNER_KEYS_DOMAIN, signerKeyMigrations)
    store.migrate(SIGNER_SLASHING_DOMAIN, slashingStoreMigrations())
    const ring = new KeyRing(store, log)
    const signer = new BlsSignWorker(log)
    const slashing = new SlashingProtection(store.db, {
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      logger: log,
    })
    const committer = openSlashingCommitter({
      mode: opts.slashingCommits,
      protection: slashing,
      dbPath: store.path,
      genesisValidatorsRoot: opts.network.genesisValidatorsRoot,
      log,
      onRound: opts.onSlashingCommit,
    })
    this.network = opts.network
    this.strategy = slashing.strategy
    this.#store = store
    this.#parts = {
      network: opts.network,
      ring,
      slashing,
      committer,
      signer,
      locks: new KeyedMutex(),
      tee: opts.tee,
      log,
      now: opts.now ?? Date.now,
      rng: opts.rng ?? ((n) => new Uint8Array(randomBytes(n))),
    }
    const errors = ring.load()
    this.#keyErrors = errors
    log.info(
      {
        keys: ring.size,
        errors,
        network: this.network.name,
        strategy: this.strategy,
        tee: opts.tee.driver,
        sszHasher: sszHasherName(),
      },
      'signer started',
    )
  }

  /** Where slashing-protection commits run, once the commit worker has started (or failed to). */
  slashingCommits(): Promise<'worker' | 'inline'> {
    return this.#parts.committer.ready()
  }

  /** Loaded keys, oldest first. */
  listKeys(): SignerKeyInfo[] {
    return this.#parts.ring.values().map(keyInfo)
  }

  /** 0x-hex public keys of the loaded keys (Web3Signer `publicKeys`). */
  publicKeys(): string[] {
    return this.#parts.ring.values().map((k) => `0x${k.row.pubkey}`)
  }

  /** The stored attestation of a loaded key; SIGNER_UNKNOWN_KEY (404) otherwise (a malformed key included). */
  keyAttestation(pubkey: string): KeyAttestation {
    const key = this.#parts.ring.loaded(identifierHex(pubkey))
    const tee = this.#parts.tee
    return {
      pubkey: `0x${key.row.pubkey}`,
      reportData: `0x${toHex(blsKeyReportData(key.publicKey))}`,
      attestation: `0x${key.row.attestation}`,
      platform: tee.platform,
      simulated: tee.simulated,
    }
  }

  // The operations, each in its own module (their return types are declared there).

  /** Sign a Web3Signer request body (slashing check and record first): see sign.ts. */
  async sign(pubkey: string, body: unknown) {
    this.#assertOpen()
    return sign(this.#parts, pubkey, body)
  }

  /** Generate, attest and seal a fresh key: see generateKey.ts. */
  async generateKey() {
    this.#assertOpen()
    return generateKey(this.#parts)
  }

  /** Keymanager import (keystores and their slashing history): see importKeystores.ts. */
  async importKeystores(items: KeystoreImport[], slashingProtection?: unknown) {
    this.#assertOpen()
    return importKeystores(this.#parts, items, slashingProtection)
  }

  /** Keymanager delete (history exported, never deleted): see deleteKeys.ts. */
  async deleteKeys(pubkeys: string[]) {
    this.#assertOpen()
    return deleteKeys(this.#parts, pubkeys)
  }

  /** Re-read the keys from the store (Web3Signer `/reload`). */
  async reload(): Promise<ReloadStatus> {
    this.#assertOpen()
    const { ring, now, locks } = this.#parts
    this.#reload = { status: 'running', lastOperationTime: now() }
    return locks.run(ADMIN_LOCK, () => {
      try {
        const errors = ring.load()
        this.#keyErrors = errors
        this.#reload = {
          status: errors === 0 ? 'completed' : 'completed_with_errors',
          lastOperationTime: now(),
          keys: ring.size,
          ...(errors > 0 ? { lastError: `${errors} stored key(s) could not be loaded` } : {}),
        }
      } catch (e) {
        this.#reload = { status: 'failed', lastOperationTime: now(), lastError: explain(e, 'reload failed') }
      }
      return this.reloadStatus()
    })
  }

  reloadStatus(): ReloadStatus {
    return { ...this.#reload }
  }

  /**
   * The high watermark for all keys (Web3Signer `GET /api/v1/eth2/highWatermark`): null when none is set. It is
   * an operator-set ceiling, not the highest signed slot or epoch; see `setHighWatermark`.
   */
  highWatermark(): HighWatermark | null {
    return this.#parts.slashing.highWatermark()
  }

  /**
   * Set the high watermark (what Web3Signer's `watermark-repair --set-high-watermark` does): blocks at or past
   * `slot` and attestations with source or target at or past `epoch` are refused with 412 from the next commit on,
   * on the commit worker's connection too (it reads the watermark inside each commit).
   */
  setHighWatermark(hw: HighWatermark): void {
    this.#assertOpen()
    this.#parts.slashing.setHighWatermark(hw)
  }

  /** Remove the high watermark (Web3Signer `watermark-repair --remove-high-watermark`). */
  removeHighWatermark(): void {
    this.#assertOpen()
    this.#parts.slashing.removeHighWatermark()
  }

  /** Liveness of the key set and the slashing database. */
  health(): SignerHealth {
    let slashingDb = false
    try {
      slashingDb =
        !this.#closed && this.#store.db.prepare('SELECT count(*) FROM slashing_validators').get() !== undefined
    } catch {
      slashingDb = false
    }
    const keyErrors = this.#keyErrors
    return { ok: slashingDb && !this.#closed && keyErrors === 0, keys: this.#parts.ring.size, keyErrors, slashingDb }
  }

  /** Stop the workers and wipe the in-memory keys; the store stays open (the node owns it). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#parts.ring.wipeAll()
    await Promise.all([this.#parts.committer.close(), this.#parts.signer.close()])
  }

  #assertOpen(): void {
    if (this.#closed) throw new SignerServiceError('SIGNER_CLOSED', 'the signer service is closed')
  }
}
