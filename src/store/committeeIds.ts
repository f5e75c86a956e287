import { toHex } from '../crypto/index.js'
import { CommitteeStoreError } from './committeeErrors.js'

const I63 = (1n << 63n) - 1n

/** An epoch or attempt id: u64 in the API, stored as SQLite INTEGER, so at most 2^63 − 1. */
export function storedU63(v: bigint | number, what: string): bigint {
  const b = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v
  if (typeof b !== 'bigint' || b < 0n || b > I63)
    throw new CommitteeStoreError('STORE_COMMITTEE_BAD_INPUT', `${what} must be an integer in [0, 2^63)`)
  return b
}

/** A domain id: a non-negative safe integer. */
export function domainIdOf(v: number): number {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new CommitteeStoreError('STORE_COMMITTEE_BAD_INPUT', 'domain id must be a non-negative safe integer')
  return v
}

/** A 32-byte session id, as lowercase hex (record names, logs). */
export function sessionHex(sessionId: Uint8Array): string {
  if (!(sessionId instanceof Uint8Array) || sessionId.length !== 32)
    throw new CommitteeStoreError('STORE_COMMITTEE_BAD_INPUT', 'session id must be 32 bytes')
  return toHex(sessionId)
}
