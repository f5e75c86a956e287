import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SecretBytes, toHex } from '../crypto/index.js'
import { memoryLogger } from '../log.js'
import { NonceStore } from './nonceStore.js'
import { openStore, type Store } from './openStore.js'

const dirs: string[] = []
const open: Store[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const key = new SecretBytes(new Uint8Array(32).fill(3))
const storeAt = (dataDir: string) => {
  const s = openStore({ dataDir, sealingKey: key })
  open.push(s)
  return s
}
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-nonces-'))
  dirs.push(d)
  return d
}
const sid = () => new Uint8Array(randomBytes(32))
const nonce = () => new SecretBytes(new Uint8Array(randomBytes(64)))

describe('NonceStore', () => {
  it('reserve → take returns the nonce once; a second take fails STORE_NONCE_USED', () => {
    const n = NonceStore.open(storeAt(fresh()))
    const s = sid()
    const v = nonce()
    const want = toHex(v.expose())
    n.reserve({ epoch: 4n, domainId: 1, sessionId: s, nonce: v })
    expect(n.inspect()).toMatchObject({ reserved: 1, used: 0, burned: 0 })
    expect(n.sealedCount()).toBe(1)
    const t = n.take(s)
    expect(t.epoch).toBe(4n)
    expect(t.domainId).toBe(1)
    expect(toHex(t.nonce.expose())).toBe(want)
    expect(() => n.take(s)).toThrow(expect.objectContaining({ code: 'STORE_NONCE_USED' }))
    expect(n.sealedCount()).toBe(0)
    expect(n.inspect()).toMatchObject({ reserved: 0, used: 1 })
    expect(() => n.take(sid())).toThrow(expect.objectContaining({ code: 'STORE_NONCE_UNKNOWN' }))
  })

  it('a session gets one nonce, ever (STORE_NONCE_EXISTS, also after use)', () => {
    const n = NonceStore.open(storeAt(fresh()))
    const s = sid()
    n.reserve({ epoch: 1, domainId: 0, sessionId: s, nonce: nonce() })
    expect(() => n.reserve({ epoch: 1, domainId: 0, sessionId: s, nonce: nonce() })).toThrow(
      expect.objectContaining({ code: 'STORE_NONCE_EXISTS' }),
    )
    n.take(s)
    expect(() => n.reserve({ epoch: 1, domainId: 0, sessionId: s, nonce: nonce() })).toThrow(
      expect.objectContaining({ code: 'STORE_NONCE_EXISTS' }),
    )
  })

  it('reopening burns every reserved nonce; burned nonces are never returned', () => {
    const dir = fresh()
    const log = memoryLogger()
    const a = storeAt(dir)
    const n = NonceStore.open(a)
    const [s1, s2, s3] = [sid(), sid(), sid()]
    for (const s of [s1, s2, s3]) n.reserve({ epoch: 2, domainId: 0, sessionId: s, nonce: nonce() })
    n.take(s3)
    a.close()
    const n2 = NonceStore.open(storeAt(dir), { logger: log })
    expect(n2.burnedAtOpen).toBe(2)
    expect(log.entries.find((e) => e.level === 'warn')?.obj).toEqual({ burned: 2 })
    for (const s of [s1, s2]) expect(() => n2.take(s)).toThrow(expect.objectContaining({ code: 'STORE_NONCE_BURNED' }))
    expect(() => n2.take(s3)).toThrow(expect.objectContaining({ code: 'STORE_NONCE_USED' }))
    expect(n2.inspect()).toMatchObject({ reserved: 0, used: 1, burned: 2 })
    expect(n2.sealedCount()).toBe(0)
    expect(NonceStore.open(open.at(-1)!).burnedAtOpen).toBe(0)
  })

  it('discard and burnEpoch burn without use; prune drops old ledger rows', () => {
    let now = 1_000
    const n = NonceStore.open(storeAt(fresh()), { now: () => now, retentionMs: 100 })
    const [s1, s2, s3] = [sid(), sid(), sid()]
    n.reserve({ epoch: 1, domainId: 0, sessionId: s1, nonce: nonce() })
    n.reserve({ epoch: 1, domainId: 0, sessionId: s2, nonce: nonce() })
    n.reserve({ epoch: 2, domainId: 0, sessionId: s3, nonce: nonce() })
    expect(n.discard(s1)).toBe(true)
    expect(n.discard(s1)).toBe(false)
    expect(n.burnEpoch(1)).toBe(1)
    expect(() => n.take(s2)).toThrow(expect.objectContaining({ code: 'STORE_NONCE_BURNED' }))
    expect(n.take(s3).epoch).toBe(2n)
    now = 2_000
    expect(n.prune()).toBe(3)
    expect(n.inspect().records).toEqual([])
  })

  it('reserveMany seals a batch in one transaction (all or none); take leaves synchronous=FULL in place', () => {
    const s = storeAt(fresh())
    const n = NonceStore.open(s)
    const batch = [sid(), sid(), sid()].map((sessionId) => ({ epoch: 1, domainId: 2, sessionId, nonce: nonce() }))
    n.reserveMany(batch)
    expect(n.inspect().reserved).toBe(3)
    const dup = [{ epoch: 1, domainId: 2, sessionId: sid(), nonce: nonce() }, batch[0]!]
    expect(() => n.reserveMany(dup)).toThrow(expect.objectContaining({ code: 'STORE_NONCE_EXISTS' }))
    expect(n.inspect().reserved).toBe(3)
    expect(n.sealedCount()).toBe(3)
    n.take(batch[1]!.sessionId)
    expect(() => n.take(batch[1]!.sessionId)).toThrow(expect.objectContaining({ code: 'STORE_NONCE_USED' }))
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2)
  })

  it('refuses bad input with STORE_COMMITTEE_BAD_INPUT', () => {
    const n = NonceStore.open(storeAt(fresh()))
    const ok = { epoch: 1, domainId: 0, sessionId: sid(), nonce: nonce() }
    for (const bad of [
      { ...ok, epoch: -1 },
      { ...ok, epoch: 1n << 63n },
      { ...ok, domainId: 1.5 },
      { ...ok, sessionId: new Uint8Array(31) },
      { ...ok, nonce: new Uint8Array(32) as unknown as SecretBytes },
      { ...ok, nonce: new SecretBytes(new Uint8Array(0)) },
    ])
      expect(() => n.reserve(bad)).toThrow(expect.objectContaining({ code: 'STORE_COMMITTEE_BAD_INPUT' }))
    expect(n.inspect().records).toEqual([])
  })

  it('nonce bytes are sealed: never in the database file in the clear', () => {
    const dir = fresh()
    const s = storeAt(dir)
    const n = NonceStore.open(s)
    const v = new SecretBytes(new Uint8Array(48).fill(0x5a))
    n.reserve({ epoch: 1, domainId: 0, sessionId: sid(), nonce: v })
    s.db.pragma('wal_checkpoint(TRUNCATE)')
    const file = readFileSync(join(dir, 'custos.db'))
    expect(file.includes(Buffer.alloc(48, 0x5a))).toBe(false)
  })
})
