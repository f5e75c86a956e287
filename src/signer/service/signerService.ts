import { randomBytes } from 'node:crypto'
import { encodeVersionedAttestation } from '../../attestation/index.js'
import { equalBytes, fromHex, toHex } from '../../crypto/index.js'
import { explain } from '../../errors.js'
import { type Logger, nullLogger } from '../../log.js'
import type { Store } from '../../store/index.js'
import type { TeePlatform } from '../../tee/index.js'
import { SignerError } from '../errors.js'
import { BlsSignWorker, blsKeyReportData, decryptKeystore, generateBlsKey, parseKeystore } from '../keys/index.js'
import { prepareSignRequest, type SignRequest, sszHasherName } from '../signing/index.js'
import { parseInterchangeV5, SlashingError, SlashingProtection, type SlashingStrategy } from '../slashing/index.js'
import { SignerServiceError } from './errors.js'
import { KeyedMutex } from './keyedMutex.js'
import type { SignerKeyRow } from './keyRepository.js'
import { KeyRing } from './keyRing.js'
import { pubkeyHex } from './pubkeyHex.js'
import type { SignerNetwork } from './signerNetwork.js'
import { InlineSlashingCommitter, type SlashingCommitter, WorkerSlashingCommitter } from './slashingCommitter.js'
import {
  SIGNER_KEYS_DOMAIN,
  SIGNER_SLASHING_DOMAIN,
  signerKeyMigrations,
  slashingStoreMigrations,
} from './storeMigrations.js'
import type {
  DeleteResult,
  DeleteStatus,
  ImportStatus,
  KeyAttestation,
  KeystoreImport,
  LoadedKey,
  ReloadStatus,
  SignerHealth,
  SignerKeyInfo,
  SignerServiceOptions,
} from './types.js'

const ADMIN = '\u0000admin'

/**
 * The validator remote signer: sealed BLS keys, each with an attestation binding its public key, and EIP-3076
 * slashing protection in the node's SQLite store.
 *
 * `sign` order: compute the signing root from the typed payload (never trust the client's) → submit to the
 * slashing committer, which checks and records it in ONE durable group-commit transaction (synchronous=FULL),
 * on a worker thread with its own connection by default, and signs it there once committed (otherwise it is
 * signed on the BLS signing thread). A signature for a block or attestation therefore never leaves the process
 * unless its record is committed, and two racing requests for one key are decided one after the other. Key import, generation, deletion and reload are
 * serialised among themselves. A key deleted while its request was being recorded is not used (the record
 * stays: recording without signing is always safe).
 */
export class SignerService {
  readonly network: SignerNetwork
  readonly strategy: SlashingStrategy
  readonly #store: Store
  readonly #tee: TeePlatform
  readonly #log: Logger
  readonly #now: () => number
  readonly #rng: (length: number) => Uint8Array
  readonly #slashing: SlashingProtection
  readonly #locks = new KeyedMutex()
  /** check-and-record of blocks and attestations (group commits) */
  readonly #committer: SlashingCommitter
  /** BLS on the second core; records are already committed when a job is handed to it */
  readonly #signer: BlsSignWorker
  readonly #ring: KeyRing
  #reload: ReloadStatus = { status: 'idle' }
  #closed = false

  constructor(opts: SignerServiceOptions) {
    if (opts.network?.genesisValidatorsRoot?.length !== 32) {
      throw new SignerServiceError('SIGNER_BAD_CONFIG', 'the signer network needs a 32-byte genesis_validators_root')
    }
    this.network = opts.network
    this.#store = opts.store
    this.#tee = opts.tee
    this.#log = (opts.logger ?? nullLogger).child({ module: 'signer' })
    this.#now = opts.now ?? Date.now
    this.#rng = opts.rng ?? ((n) => new Uint8Array(randomBytes(n)))
    this.#store.migrate(SIGNER_KEYS_DOMAIN, signerKeyMigrations)
    this.#store.migrate(SIGNER_SLASHING_DOMAIN, slashingStoreMigrations())
    this.#ring = new KeyRing(this.#store, this.#log)
    this.#signer = new BlsSignWorker(this.#log)
    this.#slashing = new SlashingProtection(this.#store.db, {
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      logger: this.#log,
    })
    this.strategy = this.#slashing.strategy
    const gvr = this.network.genesisValidatorsRoot
    const inline = new InlineSlashingCommitter(this.#slashing, gvr, this.#log, opts.onSlashingCommit)
    this.#committer =
      opts.slashingCommits === 'inline'
        ? inline
        : new WorkerSlashingCommitter(
            { dbPath: this.#store.path, strategy: this.strategy, genesisValidatorsRoot: gvr },
            inline,
            this.#log,
            opts.onSlashingCommit,
          )
    const errors = this.#ring.load()
    this.#log.info(
      {
        keys: this.#ring.size,
        errors,
        network: this.network.name,
        strategy: this.strategy,
        tee: this.#tee.driver,
        sszHasher: sszHasherName(),
      },
      'signer started',
    )
  }

  /** Where slashing-protection commits run, once the commit worker has started (or failed to). */
  slashingCommits(): Promise<'worker' | 'inline'> {
    return this.#committer.ready()
  }

  /** Loaded keys, oldest first. */
  listKeys(): SignerKeyInfo[] {
    return this.#ring.values().map(({ row }) => ({
      pubkey: `0x${row.pubkey}`,
      origin: row.origin,
      path: row.path,
      uuid: row.uuid,
      createdAt: row.createdAt,
    }))
  }

  /** 0x-hex public keys of the loaded keys (Web3Signer `publicKeys`). */
  publicKeys(): string[] {
    return this.#ring.values().map((k) => `0x${k.row.pubkey}`)
  }

  /** The stored attestation of a loaded key; SIGNER_UNKNOWN_KEY (404) otherwise. */
  keyAttestation(pubkey: string): KeyAttestation {
    const key = this.#key(pubkeyHex(pubkey))
    return {
      pubkey: `0x${key.row.pubkey}`,
      reportData: `0x${toHex(blsKeyReportData(key.publicKey))}`,
      attestation: `0x${key.row.attestation}`,
      platform: this.#tee.platform,
      simulated: this.#tee.simulated,
    }
  }

  /**
   * Sign a Web3Signer request body for `pubkey` → 96-byte signature. Throws SignerError (400/404),
   * SignerServiceError (400 wrong network) or SlashingError (412: refused, nothing signed).
   */
  async sign(pubkey: string, body: unknown): Promise<Uint8Array> {
    this.#assertOpen()
    const hex = pubkeyHex(pubkey)
    this.#key(hex)
    const prep = prepareSignRequest(body, { network: this.network })
    const gvr = this.network.genesisValidatorsRoot
    if (prep.genesisValidatorsRoot && !equalBytes(prep.genesisValidatorsRoot, gvr)) {
      throw new SignerServiceError(
        'SIGNER_WRONG_NETWORK',
        `fork_info.genesis_validators_root is not the ${this.network.name} network this signer serves`,
      )
    }
    const subject = prep.slashing
    if (!subject) {
      const signature = await this.#signer.sign(this.#key(hex).secretKey, prep.signingRoot)
      this.#audit(hex, prep.request)
      return signature
    }
    const { publicKey, secretKey } = this.#key(hex)
    const signingRoot = prep.signingRoot
    const { signature } = await this.#committer.submit(
      subject.kind === 'block'
        ? { kind: 'block', pubkey: publicKey, slot: subject.slot, signingRoot }
        : { kind: 'attestation', pubkey: publicKey, source: subject.source, target: subject.target, signingRoot },
      secretKey,
    )
    // Recorded and durable (and signed on the commit thread, normally). If the key was deleted meanwhile, nothing
    // leaves: #key throws SIGNER_UNKNOWN_KEY and a signature made already is dropped.
    const current = this.#key(hex)
    return signature ?? this.#signer.sign(current.secretKey, signingRoot)
  }

  /** Generate a fresh key inside the TEE (EIP-2333 from fresh entropy), attest it and seal it. */
  async generateKey(): Promise<SignerKeyInfo & { attestation: string }> {
    this.#assertOpen()
    const key = generateBlsKey(this.#rng)
    try {
      const attestation = await this.#attest(key.publicKey)
      const row: SignerKeyRow = {
        pubkey: toHex(key.publicKey),
        origin: 'generated',
        path: key.path,
        uuid: null,
        attestation,
        createdAt: this.#now(),
      }
      await this.#locks.run(ADMIN, () =>
        this.#ring.persist([{ row, publicKey: key.publicKey, secretKey: key.secretKey }]),
      )
      this.#log.info({ pubkey: `0x${row.pubkey}`, origin: 'generated' }, 'signer key added')
      return { ...this.listKeys().find((k) => k.pubkey === `0x${row.pubkey}`)!, attestation: `0x${attestation}` }
    } catch (e) {
      key.secretKey.wipe()
      throw e
    }
  }

  /**
   * Keymanager import. A keystore whose KDF parameters exceed the limits (SIGNER_KEYSTORE_KDF_LIMIT) or a slashing
   * interchange that is malformed or for another network (SlashingError / SignerServiceError) fails the whole
   * request (400) before anything is decrypted. Each keystore then gets its own
   * status: `error` (bad JSON, bad keystore, wrong password), `duplicate` (already loaded, or repeated in the
   * request) or `imported`. The interchange and every imported key are written in ONE transaction; when every
   * keystore failed, nothing is written (not even the interchange).
   */
  async importKeystores(items: KeystoreImport[], slashingProtection?: unknown): Promise<ImportStatus[]> {
    this.#assertOpen()
    this.#checkKdfLimits(items)
    const interchange = slashingProtection === undefined ? undefined : this.#checkInterchange(slashingProtection)
    return this.#locks.run(ADMIN, async () => {
      const statuses: ImportStatus[] = []
      const fresh: LoadedKey[] = []
      const seen = new Set<string>()
      try {
        for (const [i, item] of items.entries()) {
          try {
            const dec = await decryptKeystore(item.keystore, item.password)
            const hex = toHex(dec.publicKey)
            if (seen.has(hex) || this.#ring.known(hex)) {
              dec.secretKey.wipe()
              statuses[i] = { status: 'duplicate' }
              continue
            }
            seen.add(hex)
            const attestation = await this.#attest(dec.publicKey)
            const row: SignerKeyRow = {
              pubkey: hex,
              origin: 'imported',
              path: dec.path,
              uuid: dec.uuid,
              attestation,
              createdAt: this.#now(),
            }
            fresh.push({ row, publicKey: dec.publicKey, secretKey: dec.secretKey })
            statuses[i] = { status: 'imported' }
          } catch (e) {
            statuses[i] = { status: 'error', message: explain(e, 'keystore import failed') }
          }
        }
        // Nothing at all is stored when every keystore failed; otherwise the history goes in with the keys.
        const anyKey = statuses.some((st) => st.status !== 'error')
        const gvr = this.network.genesisValidatorsRoot
        this.#ring.persist(
          fresh,
          anyKey && interchange !== undefined ? () => this.#slashing.importInterchange(interchange, gvr) : undefined,
        )
      } catch (e) {
        for (const k of fresh) k.secretKey.wipe()
        throw e
      }
      for (const k of fresh) this.#log.info({ pubkey: `0x${k.row.pubkey}`, origin: 'imported' }, 'signer key added')
      return statuses
    })
  }

  /**
   * Keymanager delete: stop signing with each key (waiting for its in-flight request), delete its secret and row,
   * then export the slashing history of the deleted and not_active keys. History is kept, never deleted.
   */
  async deleteKeys(pubkeys: string[]): Promise<DeleteResult> {
    this.#assertOpen()
    return this.#locks.run(ADMIN, async () => {
      const gvr = this.network.genesisValidatorsRoot
      const withHistory = new Set(this.#slashing.listPubkeys(gvr).map((p) => toHex(p)))
      const data: DeleteStatus[] = []
      const exported: string[] = []
      for (const [i, raw] of pubkeys.entries()) {
        let hex: string
        try {
          hex = pubkeyHex(raw)
        } catch (e) {
          data[i] = { status: 'error', message: explain(e) }
          continue
        }
        // Disable first: once removed from the map under the key's lock, no further signature can be made.
        const removed = await this.#locks.run(hex, () => this.#ring.disable(hex))
        const stored = this.#ring.repo.has(hex)
        if (removed || stored) {
          try {
            this.#ring.removeStored(hex)
          } catch (e) {
            this.#log.error({ pubkey: `0x${hex}`, reason: explain(e) }, 'signer key delete failed')
            data[i] = { status: 'error', message: 'the key was disabled but could not be removed from the store' }
            exported.push(hex)
            continue
          }
          removed?.secretKey.wipe()
          this.#log.info({ pubkey: `0x${hex}` }, 'signer key deleted')
          data[i] = { status: 'deleted' }
          exported.push(hex)
        } else if (withHistory.has(hex)) {
          data[i] = { status: 'not_active' }
          exported.push(hex)
        } else {
          data[i] = { status: 'not_found' }
        }
      }
      const unique = [...new Set(exported)].map((h) => fromHex(h))
      return { data, slashingProtection: this.#slashing.exportInterchange(gvr, unique) }
    })
  }

  /** Re-read the keys from the store (Web3Signer `/reload`). */
  async reload(): Promise<ReloadStatus> {
    this.#assertOpen()
    this.#reload = { status: 'running', lastOperationTime: this.#now() }
    return this.#locks.run(ADMIN, () => {
      try {
        const errors = this.#ring.load()
        this.#reload = {
          status: errors === 0 ? 'completed' : 'completed_with_errors',
          lastOperationTime: this.#now(),
          keys: this.#ring.size,
          ...(errors > 0 ? { lastError: `${errors} stored key(s) could not be loaded` } : {}),
        }
      } catch (e) {
        this.#reload = { status: 'failed', lastOperationTime: this.#now(), lastError: explain(e, 'reload failed') }
      }
      return this.reloadStatus()
    })
  }

  reloadStatus(): ReloadStatus {
    return { ...this.#reload }
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
    return { ok: slashingDb && !this.#closed, keys: this.#ring.size, slashingDb }
  }

  /** Stop the workers and wipe the in-memory keys; the store stays open (the node owns it). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#ring.wipeAll()
    await Promise.all([this.#committer.close(), this.#signer.close()])
  }

  #key(hex: string): LoadedKey {
    const key = this.#ring.get(hex)
    if (!key) throw new SignerError('SIGNER_UNKNOWN_KEY', 'no key with this public key is loaded in this signer')
    return key
  }

  /**
   * Audit trail of the irreversible operations, at info once signed: a VOLUNTARY_EXIT (validator key, epoch, index)
   * and a DEPOSIT (signing key, deposit pubkey, amount in gwei, withdrawal credentials, fork version). Public
   * values only; the slashing-protected types have their own trail in the slashing database.
   */
  #audit(hex: string, req: SignRequest): void {
    if (req.type === 'VOLUNTARY_EXIT') {
      this.#log.info(
        {
          pubkey: `0x${hex}`,
          epoch: req.voluntary_exit.epoch.toString(),
          validatorIndex: req.voluntary_exit.validator_index.toString(),
        },
        'signed a VOLUNTARY_EXIT',
      )
    } else if (req.type === 'DEPOSIT') {
      const d = req.deposit
      this.#log.info(
        {
          pubkey: `0x${hex}`,
          depositPubkey: d.pubkey.toLowerCase(),
          amountGwei: d.amount.toString(),
          withdrawalCredentials: d.withdrawal_credentials.toLowerCase(),
          genesisForkVersion: d.genesis_fork_version.toLowerCase(),
        },
        'signed a DEPOSIT',
      )
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new SignerServiceError('SIGNER_CLOSED', 'the signer service is closed')
  }

  async #attest(publicKey: Uint8Array): Promise<string> {
    return toHex(encodeVersionedAttestation(await this.#tee.attest(blsKeyReportData(publicKey))))
  }

  /**
   * A keystore whose KDF costs more than the limits fails the whole request (SIGNER_KEYSTORE_KDF_LIMIT, 400, naming
   * its index, the parameter and the limit) before any KDF runs. Other keystore faults stay per-keystore statuses.
   */
  #checkKdfLimits(items: KeystoreImport[]): void {
    for (const [i, item] of items.entries()) {
      try {
        parseKeystore(item.keystore)
      } catch (e) {
        if (e instanceof SignerError && e.code === 'SIGNER_KEYSTORE_KDF_LIMIT') {
          throw new SignerError('SIGNER_KEYSTORE_KDF_LIMIT', `keystores[${i}]: ${e.shortMessage}`, {
            ...e.meta,
            index: i,
          })
        }
      }
    }
  }

  #checkInterchange(input: unknown): unknown {
    let doc = input
    if (typeof input === 'string') {
      try {
        doc = JSON.parse(input)
      } catch {
        throw new SignerServiceError('SIGNER_BAD_REQUEST', 'slashing_protection is not valid JSON (EIP-3076 v5)')
      }
    }
    const parsed = parseInterchangeV5(doc)
    if (!equalBytes(parsed.genesisValidatorsRoot, this.network.genesisValidatorsRoot)) {
      throw new SlashingError(
        'SIGNER_INTERCHANGE_GVR_MISMATCH',
        `slashing_protection is for another genesis_validators_root than the ${this.network.name} network; nothing was imported`,
      )
    }
    return doc
  }
}
