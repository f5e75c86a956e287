/** Slashing-protection test helpers: keys, roots, an in-memory protection, EIP-3076 documents. */
import Database from 'better-sqlite3'
import { applyMigrations } from '../../src/signer/slashing/migrations.js'
import { SlashingProtection, type SlashingProtectionOptions } from '../../src/signer/slashing/slashingProtection.js'

export const pk = (n: number): Uint8Array => new Uint8Array(48).fill(0xa0).map((x, i) => (i === 47 ? n : x))
export const root = (n: number): Uint8Array => new Uint8Array(32).map((_, i) => (i === 31 ? n : 0))
export const GVR = root(0xee)
export const OTHER_GVR = root(0xef)

export function memoryProtection(options: SlashingProtectionOptions = {}): {
  db: Database.Database
  sp: SlashingProtection
} {
  const db = new Database(':memory:')
  applyMigrations(db)
  return { db, sp: new SlashingProtection(db, options) }
}

export const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`

type B = { slot: string; signing_root?: string }
type A = { source_epoch: string; target_epoch: string; signing_root?: string }

/** A v5 interchange document (wire form) for the given entries. */
export function doc(entries: Array<{ pubkey: Uint8Array; blocks?: B[]; atts?: A[] }>, gvr = GVR) {
  return {
    metadata: { interchange_format_version: '5', genesis_validators_root: hex(gvr) },
    data: entries.map((e) => ({
      pubkey: hex(e.pubkey),
      signed_blocks: e.blocks ?? [],
      signed_attestations: e.atts ?? [],
    })),
  }
}
