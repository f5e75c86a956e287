/**
 * Nonce commitment points, decoded and validated once per process. Every member decodes every commitment of a
 * signing set, and the coordinator (usually also a member) and a retry with an overlapping set would decode
 * the same bytes again; the full RFC 9591 §3.1 DeserializeElement check (on the curve, not the identity, and
 * for Ed25519 in the prime-order subgroup, a 253-bit scalar multiplication) runs on first sight only.
 *
 * Bounded LRU per scheme keyed by the exact encoded bytes: a hit returns the point those very bytes decoded
 * to before, so nothing unvalidated ever comes out. Besides points from outside, the only entries are this
 * node's own commitments d·G, e·G (`rememberOwnPoint`, from commit()/signShare), valid by construction.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { MpcError } from '../errors.js'
import type { GroupPoint, Suite } from '../suites.js'
import type { ParticipantId, SchemeId } from '../types.js'

export const POINT_CACHE_SIZE = 2048

export interface ValidPoint {
  readonly point: GroupPoint
  /** SerializeElement(point): what the commitment list hash and the binding factors are computed over */
  readonly encoded: Uint8Array
}

const CACHES = new Map<SchemeId, Map<string, ValidPoint>>()
/** full validations run / cache hits, since start (tests and diagnostics) */
const stats = { validated: 0, hits: 0 }

function cacheOf(suite: Suite): Map<string, ValidPoint> {
  let c = CACHES.get(suite.scheme)
  if (!c) {
    c = new Map()
    CACHES.set(suite.scheme, c)
  }
  return c
}

function put(cache: Map<string, ValidPoint>, key: string, v: ValidPoint): void {
  if (cache.size >= POINT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(key, v)
}

/**
 * The validated point of a commitment field. On a miss: `suite.decodePoint` (the same checks noble's
 * parsePoint makes), then cached. Throws MPC_BAD_COMMITMENTS naming the participant.
 */
export function commitmentPoint(
  suite: Suite,
  bytes: Uint8Array,
  participant: ParticipantId,
  field: 'hiding' | 'binding',
): ValidPoint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== suite.pointLength)
    throw new MpcError(
      'MPC_BAD_COMMITMENTS',
      `the ${field} commitment of participant ${participant} has the wrong length`,
      {
        participant,
      },
    )
  const cache = cacheOf(suite)
  const key = bytesToHex(bytes)
  const hit = cache.get(key)
  if (hit) {
    // LRU: move to the back
    cache.delete(key)
    cache.set(key, hit)
    stats.hits++
    return hit
  }
  let point: GroupPoint
  stats.validated++
  try {
    point = suite.decodePoint(bytes, `${field} commitment`)
  } catch (e) {
    throw new MpcError(
      'MPC_BAD_COMMITMENTS',
      `the ${field} commitment of participant ${participant} is not a valid group element`,
      { participant },
      { cause: e },
    )
  }
  const v: ValidPoint = Object.freeze({ point, encoded: point.toBytes() })
  put(cache, key, v)
  return v
}

/** Remember a commitment point this node computed itself as nonce·G (so it skips the decode and checks). */
export function rememberOwnPoint(suite: Suite, encoded: Uint8Array, point: GroupPoint): void {
  const cache = cacheOf(suite)
  const key = bytesToHex(encoded)
  if (!cache.has(key)) put(cache, key, Object.freeze({ point, encoded: encoded.slice() }))
}

/** Whether `bytes` is cached (tests). */
export function isPointCached(scheme: SchemeId, bytes: Uint8Array): boolean {
  return CACHES.get(scheme)?.has(bytesToHex(bytes)) ?? false
}

/** Counters since start: full point validations run, and cache hits (tests, diagnostics). */
export function pointCacheStats(): { validated: number; hits: number } {
  return { ...stats }
}

/** Empty every scheme's cache (tests, benchmarks). */
export function clearPointCache(): void {
  CACHES.clear()
}
