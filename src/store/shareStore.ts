import { SecretBytes } from '../crypto/index.js'
import { type Logger, nullLogger } from '../log.js'
import { CommitteeStoreError } from './committeeErrors.js'
import { domainIdOf, storedU63 } from './committeeIds.js'
import { checkpoint } from './nonceStore.js'
import type { Store } from './openStore.js'

/**
 * Sealed record names. Active: `committee/share/<epoch>/<domain>/<attempt>` (one per epoch and domain); pending (written by a DKG or resharing attempt
 * that has not completed): `committee/share-pending/<epoch>/<attempt>/<domain>`; all decimal. The name is the
 * seal's AAD, so the host can neither move a pending share to the active name nor swap epochs or domains.
 */
const ACTIVE = 'committee/share/'
const PENDING = 'committee/share-pending/'
const activePrefix = (epoch: bigint, domainId: number) => `${ACTIVE}${epoch}/${domainId}/`
const pendingPrefix = (epoch: bigint, attemptId: bigint) => `${PENDING}${epoch}/${attemptId}/`
const ACTIVE_RE = /^committee\/share\/(\d+)\/(\d+)\/(\d+)$/
const PENDING_RE = /^committee\/share-pending\/(\d+)\/(\d+)\/(\d+)$/

/** Sealed blob: version 0x01 ‖ attempt id u64 ‖ share length u32 ‖ share ‖ public key package (all BE). */
const BLOB_VERSION = 0x01

export interface KeyShareInput {
  epoch: bigint | number
  domainId: number
  attemptId: bigint | number
  /** this member's secret share (serialised by the protocol code) */
  share: SecretBytes
  /** the public key package (group key, verifying shares), serialised by the protocol code */
  publicPackage: Uint8Array
}

export interface KeyShare {
  epoch: bigint
  domainId: number
  attemptId: bigint
  share: SecretBytes
  publicPackage: Uint8Array
}

export interface KeyShareInfo {
  epoch: bigint
  domainId: number
  attemptId: bigint
  status: 'active' | 'pending'
}

function encodeBlob(attemptId: bigint, share: Uint8Array, pkg: Uint8Array): SecretBytes {
  const out = new Uint8Array(13 + share.length + pkg.length)
  const v = new DataView(out.buffer)
  out[0] = BLOB_VERSION
  v.setBigUint64(1, attemptId)
  v.setUint32(9, share.length)
  out.set(share, 13)
  out.set(pkg, 13 + share.length)
  return new SecretBytes(out)
}

function decodeBlob(blob: SecretBytes, epoch: bigint, domainId: number): KeyShare {
  const b = blob.expose()
  try {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
    if (b.length < 13 || b[0] !== BLOB_VERSION || 13 + v.getUint32(9) > b.length)
      throw new CommitteeStoreError('STORE_COMMITTEE_CORRUPT', 'a sealed key share does not decode', {
        epoch: String(epoch),
        domainId,
      })
    const n = v.getUint32(9)
    return {
      epoch,
      domainId,
      attemptId: v.getBigUint64(1),
      share: new SecretBytes(b.slice(13, 13 + n)),
      publicPackage: b.slice(13 + n),
    }
  } finally {
    blob.wipe()
  }
}

function checkInput(p: KeyShareInput): { epoch: bigint; domainId: number; attemptId: bigint } {
  if (!(p.share instanceof SecretBytes) || p.share.length === 0)
    throw new CommitteeStoreError('STORE_COMMITTEE_BAD_INPUT', 'the share must be non-empty SecretBytes')
  if (!(p.publicPackage instanceof Uint8Array))
    throw new CommitteeStoreError('STORE_COMMITTEE_BAD_INPUT', 'the public key package must be bytes')
  return {
    epoch: storedU63(p.epoch, 'epoch'),
    domainId: domainIdOf(p.domainId),
    attemptId: storedU63(p.attemptId, 'attempt id'),
  }
}

/**
 * This member's key shares per (epoch, domain), sealed with their public key package. A DKG or resharing
 * attempt writes PENDING shares; `activate` promotes an attempt's shares when the key event completes (see
 * `EpochStateStore.completeAttempt`), and the shares of an abandoned attempt are discarded. `eraseEpoch`
 * removes everything of an epoch this node left.
 */
export class ShareStore {
  readonly #store: Store
  readonly #log: Logger

  constructor(store: Store, opts: { logger?: Logger } = {}) {
    this.#store = store
    this.#log = opts.logger ?? nullLogger
  }

  /** Seal a share produced by attempt `attemptId` of the key event for `epoch` (not usable until activated). */
  putPending(p: KeyShareInput): void {
    const { epoch, domainId, attemptId } = checkInput(p)
    this.#seal(`${pendingPrefix(epoch, attemptId)}${domainId}`, attemptId, p)
  }

  /** Seal an active share directly (import, tests); replaces the one of (epoch, domain). */
  putActive(p: KeyShareInput): void {
    const { epoch, domainId, attemptId } = checkInput(p)
    this.#store.transaction(() => {
      this.#deleteAll(activePrefix(epoch, domainId))
      this.#seal(`${activePrefix(epoch, domainId)}${attemptId}`, attemptId, p)
    })
  }

  /**
   * Promote attempt `attemptId`'s pending shares of `epoch` to active and discard every other pending share of
   * that epoch, in one transaction. Returns the domain ids activated.
   */
  activate(epoch: bigint | number, attemptId: bigint | number): number[] {
    const e = storedU63(epoch, 'epoch')
    const a = storedU63(attemptId, 'attempt id')
    const secrets = this.#store.secrets
    return this.#store.transaction(() => {
      const done: number[] = []
      for (const name of secrets.names(`${PENDING}${e}/`)) {
        const m = PENDING_RE.exec(name)
        if (m && BigInt(m[2]!) === a) {
          const blob = secrets.get(name)
          if (blob) {
            try {
              this.#deleteAll(activePrefix(e, Number(m[3])))
              secrets.put(`${activePrefix(e, Number(m[3]))}${a}`, blob)
            } finally {
              blob.wipe()
            }
            done.push(Number(m[3]))
          }
        }
        secrets.delete(name)
      }
      return done.sort((x, y) => x - y)
    })
  }

  /** Discard pending shares of `epoch` (of one attempt, or all); returns how many. */
  discardPending(epoch: bigint | number, attemptId?: bigint | number): number {
    const e = storedU63(epoch, 'epoch')
    const prefix = attemptId === undefined ? `${PENDING}${e}/` : pendingPrefix(e, storedU63(attemptId, 'attempt id'))
    const n = this.#deleteAll(prefix)
    if (n > 0) checkpoint(this.#store)
    return n
  }

  /** The active share of (epoch, domain), or undefined. The caller wipes `share` when done. */
  get(epoch: bigint | number, domainId: number): KeyShare | undefined {
    const e = storedU63(epoch, 'epoch')
    const d = domainIdOf(domainId)
    const names = this.#store.secrets.names(activePrefix(e, d))
    if (names.length > 1)
      throw new CommitteeStoreError(
        'STORE_COMMITTEE_CORRUPT',
        'more than one active key share for an epoch and domain',
        {
          epoch: String(e),
          domainId: d,
        },
      )
    const blob = names[0] ? this.#store.secrets.get(names[0]) : undefined
    if (!blob) return undefined
    const share = decodeBlob(blob, e, d)
    if (`${activePrefix(e, d)}${share.attemptId}` !== names[0]) {
      share.share.wipe()
      throw new CommitteeStoreError('STORE_COMMITTEE_CORRUPT', 'a sealed key share names another attempt', {
        epoch: String(e),
        domainId: d,
      })
    }
    return share
  }

  /** Like `get`, but throws STORE_SHARE_UNKNOWN when absent. */
  require(epoch: bigint | number, domainId: number): KeyShare {
    const s = this.get(epoch, domainId)
    if (!s)
      throw new CommitteeStoreError('STORE_SHARE_UNKNOWN', 'this node holds no key share for that epoch and domain', {
        epoch: String(epoch),
        domainId,
      })
    return s
  }

  /** Every stored share (active and pending), without unsealing any. */
  list(): KeyShareInfo[] {
    const out: KeyShareInfo[] = []
    for (const name of this.#store.secrets.names('committee/share')) {
      const a = ACTIVE_RE.exec(name)
      if (a) {
        out.push({ epoch: BigInt(a[1]!), domainId: Number(a[2]), attemptId: BigInt(a[3]!), status: 'active' })
        continue
      }
      const p = PENDING_RE.exec(name)
      if (p) out.push({ epoch: BigInt(p[1]!), domainId: Number(p[3]), attemptId: BigInt(p[2]!), status: 'pending' })
    }
    return out.sort((x, y) => (x.epoch === y.epoch ? x.domainId - y.domainId : x.epoch < y.epoch ? -1 : 1))
  }

  /**
   * Erase every share (active and pending) of `epoch`, in one transaction, then checkpoint and truncate the WAL
   * (SQLite runs with secure_delete, so the freed pages are zeroed). Returns how many were erased.
   */
  eraseEpoch(epoch: bigint | number): number {
    const e = storedU63(epoch, 'epoch')
    const n = this.#store.transaction(() => this.#deleteAll(`${ACTIVE}${e}/`) + this.#deleteAll(`${PENDING}${e}/`))
    checkpoint(this.#store)
    if (n > 0) this.#log.info({ epoch: String(e), shares: n }, 'key shares of a left epoch erased')
    return n
  }

  /** Epochs with any stored share, ascending. */
  epochs(): bigint[] {
    return [...new Set(this.list().map((s) => s.epoch))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }

  #seal(name: string, attemptId: bigint, p: KeyShareInput): void {
    const blob = encodeBlob(attemptId, p.share.expose(), p.publicPackage)
    try {
      this.#store.secrets.put(name, blob)
    } finally {
      blob.wipe()
    }
  }

  #deleteAll(prefix: string): number {
    return this.#store.transaction(() => {
      let n = 0
      for (const name of this.#store.secrets.names(prefix)) if (this.#store.secrets.delete(name)) n++
      return n
    })
  }
}
