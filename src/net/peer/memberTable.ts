import { toHex } from '../../crypto/index.js'
import { PeerError } from './errors.js'
import { nodeKeyVerifier } from './nodeKey.js'
import type { PeerMember } from './types.js'

/** A member with its node-key verifier built once. Object identity tells whether it is still current. */
export interface MemberEntry {
  readonly member: PeerMember
  readonly verify: (message: Uint8Array, signature: Uint8Array) => boolean
  readonly host: string
  readonly port: number
}

/** One epoch's members, indexed by participant id and by node key. Immutable; `setEpoch` builds a new one. */
export class MemberTable {
  readonly epoch: bigint
  readonly #byId = new Map<number, MemberEntry>()
  readonly #byKey = new Map<string, MemberEntry>()

  /** `previous`: entries of members that did not change are kept (same object), so their connections stay. */
  constructor(epoch: bigint, members: readonly PeerMember[], previous?: MemberTable) {
    this.epoch = epoch
    for (const m of members) {
      if (!Number.isInteger(m.id) || m.id < 0 || m.id >= 0xffffffff)
        throw new PeerError('PEER_BAD_MESSAGE', 'member id must be a u32 below 0xffffffff', { id: String(m.id) })
      if (!(m.nodeKey instanceof Uint8Array) || m.nodeKey.length !== 32)
        throw new PeerError('PEER_BAD_MESSAGE', `member ${m.id}: node key must be 32 bytes`)
      const key = toHex(m.nodeKey)
      if (this.#byId.has(m.id)) throw new PeerError('PEER_BAD_MESSAGE', `member ${m.id} is listed twice`)
      if (this.#byKey.has(key))
        throw new PeerError(
          'PEER_BAD_MESSAGE',
          `members ${this.#byKey.get(key)!.member.id} and ${m.id} share a node key`,
        )
      let url: URL
      try {
        url = new URL(m.url)
      } catch {
        throw new PeerError('PEER_BAD_MESSAGE', `member ${m.id}: url is not a URL`)
      }
      if (url.protocol !== 'https:' || url.port === '')
        throw new PeerError('PEER_BAD_MESSAGE', `member ${m.id}: url must be https://host:port`)
      const old = previous?.get(m.id)
      const entry: MemberEntry =
        old && sameMember(old.member, m)
          ? old
          : {
              member: { ...m },
              verify: nodeKeyVerifier(m.nodeKey),
              host: url.hostname.replace(/^\[|\]$/g, ''),
              port: Number(url.port),
            }
      this.#byId.set(m.id, entry)
      this.#byKey.set(key, entry)
    }
  }

  get(id: number): MemberEntry | undefined {
    return this.#byId.get(id)
  }

  byNodeKey(nodeKey: Uint8Array): MemberEntry | undefined {
    return this.#byKey.get(toHex(nodeKey))
  }

  /** True when `entry` is the current entry of its member. */
  isCurrent(entry: MemberEntry): boolean {
    return this.#byId.get(entry.member.id) === entry
  }

  ids(): number[] {
    return [...this.#byId.keys()].sort((a, b) => a - b)
  }

  entries(): MemberEntry[] {
    return [...this.#byId.values()]
  }
}

const eq = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  a === undefined || b === undefined ? a === b : Buffer.compare(a, b) === 0

function sameMember(a: PeerMember, b: PeerMember): boolean {
  return a.id === b.id && a.url === b.url && eq(a.nodeKey, b.nodeKey) && eq(a.tlsSpki, b.tlsSpki)
}
