import { SlashingError } from './errors.js'

const U64_MAX = (1n << 64n) - 1n

/**
 * Slots and epochs are u64 and SQLite integers are i64, so they are stored as 8-byte big-endian BLOBs: SQLite
 * compares BLOBs with memcmp, so byte order is numeric order (indexes, MIN/MAX and range scans all work).
 */
export function u64ToKey(n: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(n)
  return b
}

export function keyToU64(b: Uint8Array): bigint {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).readBigUInt64BE(0)
}

export function assertU64(n: bigint, field: string): void {
  if (typeof n !== 'bigint' || n < 0n || n > U64_MAX) {
    throw new SlashingError('SIGNER_SLASHING_BAD_INPUT', `${field} must be a bigint in [0, 2^64-1]`, { field })
  }
}

export function assertBytes(b: Uint8Array, length: number, field: string): void {
  if (!(b instanceof Uint8Array) || b.length !== length) {
    const got = b instanceof Uint8Array ? b.length : -1
    throw new SlashingError('SIGNER_SLASHING_BAD_INPUT', `${field} must be ${length} bytes`, { field, length: got })
  }
}
