import { SecretBytes } from '../crypto/index.js'
import { type Logger, nullLogger } from '../log.js'
import { CommitteeStoreError } from './committeeErrors.js'
import { domainIdOf, sessionHex, storedU63 } from './committeeIds.js'
import type { Migration } from './migrate.js'
import type { Store } from './openStore.js'

/** Migration domain of the committee's own tables. */
export const NONCE_DOMAIN = 'committee-nonces'
const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'nonce ledger',
    up: (db) =>
      db.exec(`
        CREATE TABLE committee_nonces (
          session_id BLOB PRIMARY KEY CHECK (length(session_id) = 32),
          epoch INTEGER NOT NULL,
          domain_id INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('reserved', 'used', 'burned')),
          reserved_at INTEGER NOT NULL,
          finished_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX committee_nonces_finished ON committee_nonces (state, finished_at);`),
  },
]
const PREFIX = 'committee/nonce/'
const nameOf = (hex: string) => `${PREFIX}${hex}`

export type NonceState = 'reserved' | 'used' | 'burned'

/** A ledger row: what the store knows about a session's nonce (never the nonce). */
export interface NonceRecord {
  sessionId: Uint8Array
  epoch: bigint
  domainId: number
  state: NonceState
}

export interface NonceReservation {
  epoch: bigint | number
  domainId: number
  /** 32 bytes */
  sessionId: Uint8Array
  /** the nonce state the protocol needs back at signing time (serialised by the protocol code) */
  nonce: SecretBytes
}

export interface TakenNonce {
  epoch: bigint
  domainId: number
  /** the sealed bytes as reserved; the caller wipes them after signing */
  nonce: SecretBytes
}

export interface NonceStoreOptions {
  logger?: Logger
  /** ms clock (tests pin it) */
  now?: () => number
  /** used/burned ledger rows older than this are pruned (default 1 h); a pruned session reads as unknown */
  retentionMs?: number
}

interface Row {
  epoch: bigint
  domain_id: bigint
  state: NonceState
}

/**
 * FROST signing nonces, each used at most once, also across crashes:
 * - `reserve` seals the nonce and records the session in ONE transaction that commits before it returns, so the
 *   commitment may leave the node only after the nonce is durable;
 * - `take` returns it and erases it in ONE transaction: a second take fails (STORE_NONCE_USED);
 * - opening the store BURNS every nonce still reserved: a process that died may have sent its commitment, so
 *   such a nonce is never used (STORE_NONCE_BURNED); the coordinator retries with a new session.
 * Nonce bytes live in the sealed store (AES-256-GCM, record name = session id as AAD); the ledger rows are plain.
 */
export class NonceStore {
  /** how many reserved nonces the open burned */
  readonly burnedAtOpen: number
  readonly #store: Store
  readonly #log: Logger
  readonly #now: () => number
  readonly #retentionMs: number
  #sincePrune = 0

  private constructor(store: Store, opts: NonceStoreOptions) {
    this.#store = store
    this.#log = opts.logger ?? nullLogger
    this.#now = opts.now ?? Date.now
    this.#retentionMs = opts.retentionMs ?? 3_600_000
    store.migrate(NONCE_DOMAIN, MIGRATIONS)
    this.burnedAtOpen = this.#burn()
    if (this.burnedAtOpen > 0)
      this.#log.warn({ burned: this.burnedAtOpen }, 'burned signing nonces left over from before the restart')
  }

  /** Open the nonce store of this process (burns what a previous process left reserved). */
  static open(store: Store, opts: NonceStoreOptions = {}): NonceStore {
    return new NonceStore(store, opts)
  }

  /** Seal `nonce` for `sessionId` durably (fsynced). Throws STORE_NONCE_EXISTS if the session ever had one. */
  reserve(p: NonceReservation): void {
    this.reserveMany([p])
  }

  /**
   * Seal several nonces in ONE durable transaction (one fsync): all are reserved or none. For committees that
   * pre-generate nonces and publish their commitments ahead of signing requests.
   */
  reserveMany(list: readonly NonceReservation[]): void {
    const rows = list.map((p) => {
      if (!(p.nonce instanceof SecretBytes) || p.nonce.length === 0)
        throw new CommitteeStoreError('STORE_COMMITTEE_BAD_INPUT', 'the nonce must be non-empty SecretBytes')
      return { p, epoch: storedU63(p.epoch, 'epoch'), domainId: domainIdOf(p.domainId), hex: sessionHex(p.sessionId) }
    })
    const db = this.#store.db
    this.#store.transaction(() => {
      const had = db.prepare('SELECT state FROM committee_nonces WHERE session_id = ?')
      const insert = db.prepare(
        "INSERT INTO committee_nonces (session_id, epoch, domain_id, state, reserved_at) VALUES (?, ?, ?, 'reserved', ?)",
      )
      const t = this.#now()
      const sealed: Record<string, SecretBytes> = {}
      for (const r of rows) {
        const h = had.get(r.p.sessionId) as { state: NonceState } | undefined
        if (h || sealed[nameOf(r.hex)])
          throw new CommitteeStoreError('STORE_NONCE_EXISTS', 'this signing session already has a nonce', {
            session: r.hex,
            state: h?.state ?? 'reserved',
          })
        insert.run(r.p.sessionId, r.epoch, r.domainId, t)
        sealed[nameOf(r.hex)] = r.p.nonce
      }
      this.#store.secrets.putAll(sealed)
    })
    this.#sincePrune += rows.length
    if (this.#sincePrune >= 256) {
      this.#sincePrune = 0
      this.prune()
    }
  }

  /**
   * The session's nonce, erased in the same transaction: returned exactly once. This commit skips its own fsync
   * (synchronous=NORMAL for this one transaction; the next durable commit flushes it): if power fails before it
   * reaches the disk, the nonce reads as reserved again and the next open burns it, so it is still never used
   * twice. `reserve`, whose durability comes before the commitment is sent, always fsyncs.
   */
  take(sessionId: Uint8Array): TakenNonce {
    const hex = sessionHex(sessionId)
    const db = this.#store.db
    return this.#withoutFsync(() => this.#take(sessionId, hex, db))
  }

  #take(sessionId: Uint8Array, hex: string, db: Store['db']): TakenNonce {
    return this.#store.transaction(() => {
      const row = this.#row(sessionId)
      if (!row)
        throw new CommitteeStoreError('STORE_NONCE_UNKNOWN', 'no nonce was reserved for this session', { session: hex })
      if (row.state === 'used')
        throw new CommitteeStoreError('STORE_NONCE_USED', 'the nonce of this session was already used', {
          session: hex,
        })
      if (row.state === 'burned')
        throw new CommitteeStoreError('STORE_NONCE_BURNED', 'the nonce of this session was burned and is never used', {
          session: hex,
        })
      const nonce = this.#store.secrets.get(nameOf(hex))
      if (!nonce)
        throw new CommitteeStoreError('STORE_NONCE_MISSING', 'a reserved nonce has no sealed bytes', { session: hex })
      this.#store.secrets.delete(nameOf(hex))
      db.prepare("UPDATE committee_nonces SET state = 'used', finished_at = ? WHERE session_id = ?").run(
        this.#now(),
        sessionId,
      )
      return { epoch: row.epoch, domainId: Number(row.domain_id), nonce }
    })
  }

  #withoutFsync<T>(fn: () => T): T {
    const db = this.#store.db
    if (db.inTransaction) return fn()
    const mode = db.pragma('synchronous', { simple: true }) as number
    if (mode < 2) return fn() // already NORMAL or OFF
    db.pragma('synchronous = NORMAL')
    try {
      return fn()
    } finally {
      db.pragma(`synchronous = ${mode === 3 ? 'EXTRA' : 'FULL'}`)
    }
  }

  /** Burn one session's nonce without using it (the session was aborted). True when one was reserved. */
  discard(sessionId: Uint8Array): boolean {
    const hex = sessionHex(sessionId)
    return this.#store.transaction(() => {
      const row = this.#row(sessionId)
      if (row?.state !== 'reserved') return false
      this.#store.secrets.delete(nameOf(hex))
      this.#store.db
        .prepare("UPDATE committee_nonces SET state = 'burned', finished_at = ? WHERE session_id = ?")
        .run(this.#now(), sessionId)
      return true
    })
  }

  /** Burn every reserved nonce of `epoch` (the node left it); returns how many. */
  burnEpoch(epoch: bigint | number): number {
    return this.#burn(storedU63(epoch, 'epoch'))
  }

  /** Drop used/burned ledger rows finished before `before` (ms, default now − retention). Returns how many. */
  prune(before = this.#now() - this.#retentionMs): number {
    return this.#store.db
      .prepare("DELETE FROM committee_nonces WHERE state != 'reserved' AND finished_at < ?")
      .run(before).changes
  }

  /** What the ledger holds (tests, status pages): counts and every row, never a nonce. */
  inspect(): { reserved: number; used: number; burned: number; records: NonceRecord[] } {
    const rows = this.#store.db
      .prepare('SELECT session_id, epoch, domain_id, state FROM committee_nonces ORDER BY reserved_at, session_id')
      .safeIntegers(true)
      .all() as Array<Row & { session_id: Uint8Array }>
    const out = { reserved: 0, used: 0, burned: 0, records: [] as NonceRecord[] }
    for (const r of rows) {
      out[r.state]++
      out.records.push({
        sessionId: new Uint8Array(r.session_id),
        epoch: r.epoch,
        domainId: Number(r.domain_id),
        state: r.state,
      })
    }
    return out
  }

  /** Ledger rows by state (cheap: one grouped count, no rows read out); for status pages and metrics. */
  counts(): { reserved: number; used: number; burned: number } {
    const out = { reserved: 0, used: 0, burned: 0 }
    const rows = this.#store.db
      .prepare('SELECT state, count(*) AS n FROM committee_nonces GROUP BY state')
      .all() as Array<{ state: NonceState; n: number }>
    for (const r of rows) out[r.state] = Number(r.n)
    return out
  }

  /** Sealed nonce records present (must equal `inspect().reserved`). */
  sealedCount(): number {
    return this.#store.secrets.names(PREFIX).length
  }

  #row(sessionId: Uint8Array): Row | undefined {
    return this.#store.db
      .prepare('SELECT epoch, domain_id, state FROM committee_nonces WHERE session_id = ?')
      .safeIntegers(true)
      .get(sessionId) as Row | undefined
  }

  /** Burn reserved nonces (of one epoch, or all) and any sealed nonce without a reserved row. */
  #burn(epoch?: bigint): number {
    const db = this.#store.db
    const n = this.#store.transaction(() => {
      const rows = (
        epoch === undefined
          ? db.prepare("SELECT session_id FROM committee_nonces WHERE state = 'reserved'").all()
          : db.prepare("SELECT session_id FROM committee_nonces WHERE state = 'reserved' AND epoch = ?").all(epoch)
      ) as Array<{ session_id: Uint8Array }>
      const t = this.#now()
      const mark = db.prepare("UPDATE committee_nonces SET state = 'burned', finished_at = ? WHERE session_id = ?")
      for (const r of rows) {
        this.#store.secrets.delete(nameOf(sessionHex(r.session_id)))
        mark.run(t, r.session_id)
      }
      if (epoch === undefined) {
        // a sealed nonce without a reserved row cannot come from Custos; never let it be used
        const reserved = new Set(
          (
            db.prepare("SELECT session_id FROM committee_nonces WHERE state = 'reserved'").all() as Array<{
              session_id: Uint8Array
            }>
          ).map((r) => sessionHex(r.session_id)),
        )
        for (const name of this.#store.secrets.names(PREFIX))
          if (!reserved.has(name.slice(PREFIX.length))) this.#store.secrets.delete(name)
      }
      return rows.length
    })
    if (n > 0) checkpoint(this.#store)
    return n
  }
}

/** Move the WAL into the database and truncate it, so erased sealed blobs do not linger in the -wal file. */
export function checkpoint(store: Store): void {
  if (store.db.inTransaction) return // the outermost step checkpoints after its commit
  try {
    store.db.pragma('wal_checkpoint(TRUNCATE)')
  } catch {
    // in-memory databases have no WAL
  }
}
