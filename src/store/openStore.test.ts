import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { codeOf } from '../../test/support/errors.js'
import { SecretBytes } from '../crypto/index.js'
import { memoryLogger } from '../log.js'
import { openDatabase } from './openDatabase.js'
import { openStore, type Store } from './openStore.js'

const dirs: string[] = []
const open: Store[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-store-'))
  dirs.push(d)
  return d
}
const rand = (n = 32) => new Uint8Array(randomBytes(n))
const secret = (n = 32) => new SecretBytes(rand(n))
const storeAt = (dataDir: string, key: SecretBytes, extra: { logger?: ReturnType<typeof memoryLogger> } = {}) => {
  const s = openStore({ dataDir, sealingKey: key, ...extra })
  open.push(s)
  return s
}
describe('openDatabase', () => {
  it('creates the parent dir 0700 and the file 0600, WAL, FULL, foreign keys', () => {
    const base = tmp()
    const path = join(base, 'deep', 'data', 'x.db')
    const db = openDatabase(path)
    db.exec('CREATE TABLE t (v); INSERT INTO t VALUES (1)')
    expect(statSync(join(base, 'deep', 'data')).mode & 0o777).toBe(0o700)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    db.close()
    const db2 = openDatabase(path, { synchronous: 'NORMAL' })
    expect(db2.pragma('synchronous', { simple: true })).toBe(1)
    db2.close()
  })
})

describe('openStore', () => {
  it('stores, lists, deletes and survives reopen', () => {
    const dir = tmp()
    const key = secret()
    const a = rand()
    const b = rand(64)
    const s = storeAt(dir, key)
    expect(s.path).toBe(join(dir, 'custos.db'))
    s.secrets.put('kms/a', new SecretBytes(a))
    s.secrets.putAll({ 'kms/b': new SecretBytes(b), 'mpc/share/1': secret() })
    s.records.putJson('kms/material', { domain: 'localhost', n: 3 })
    expect(s.secrets.names()).toEqual(['kms/a', 'kms/b', 'mpc/share/1'])
    expect(s.secrets.names('kms/')).toEqual(['kms/a', 'kms/b'])
    expect(s.secrets.delete('mpc/share/1')).toBe(true)
    expect(s.secrets.delete('mpc/share/1')).toBe(false)
    s.close()
    s.close() // idempotent

    const r = storeAt(dir, key)
    expect(r.secrets.get('kms/a')?.expose()).toEqual(a)
    expect(r.secrets.get('kms/b')?.expose()).toEqual(b)
    expect(r.secrets.has('kms/a')).toBe(true)
    expect(r.secrets.get('nope')).toBeUndefined()
    expect(r.secrets.has('mpc/share/1')).toBe(false)
    expect(r.records.getJson('kms/material')).toEqual({ domain: 'localhost', n: 3 })
    expect(r.records.names()).toEqual(['kms/material'])
  })

  it('overwrites a secret in place', () => {
    const s = storeAt(tmp(), secret())
    s.secrets.put('k', secret())
    const v = rand()
    s.secrets.put('k', new SecretBytes(v))
    expect(s.secrets.get('k')?.expose()).toEqual(v)
    expect(s.secrets.names()).toEqual(['k'])
  })

  it('putAll is all-or-nothing when an entry is invalid mid-way', () => {
    const s = storeAt(tmp(), secret())
    s.secrets.put('keep', secret())
    const entries = {
      'a/1': secret(),
      'a/2': secret(),
      'a/3': new Uint8Array(32) as unknown as SecretBytes, // not SecretBytes → throws after two inserts
      'a/4': secret(),
    }
    expect(codeOf(() => s.secrets.putAll(entries))).toBe('STORE_INVALID_VALUE')
    expect(s.secrets.names()).toEqual(['keep'])
    expect(codeOf(() => s.secrets.putAll({ 'b/1': secret(), 'bad name!': secret() }))).toBe('STORE_INVALID_NAME')
    expect(s.secrets.names()).toEqual(['keep'])
  })

  it('putAll is all-or-nothing when the database fails mid-way', () => {
    const s = storeAt(tmp(), secret())
    s.db.exec(`CREATE TRIGGER no_c BEFORE INSERT ON sealed_secrets WHEN NEW.name = 'c'
      BEGIN SELECT RAISE(ABORT, 'disk says no'); END`)
    expect(() => s.secrets.putAll({ a: secret(), b: secret(), c: secret(), d: secret() })).toThrow(/disk says no/)
    expect(s.secrets.names()).toEqual([])
  })

  it('records: all-or-nothing, refuses secrets and raw bytes', () => {
    const s = storeAt(tmp(), secret())
    expect(codeOf(() => s.records.putAll({ x: { ok: 1 }, y: { k: secret() } }))).toBe('STORE_INVALID_VALUE')
    expect(codeOf(() => s.records.putJson('z', { raw: new Uint8Array(4) }))).toBe('STORE_INVALID_VALUE')
    expect(codeOf(() => s.records.putJson('u', undefined))).toBe('STORE_INVALID_VALUE')
    expect(codeOf(() => s.records.putJson('big', { n: 1n }))).toBe('STORE_INVALID_VALUE')
    expect(s.records.names()).toEqual([])
    expect(s.records.has('x')).toBe(false)
    s.records.putJson('x', [1, 'two', null])
    expect(s.records.getJson<unknown[]>('x')).toEqual([1, 'two', null])
    expect(s.records.delete('x')).toBe(true)
    expect(s.records.getJson('x')).toBeUndefined()
  })

  it('transaction() spans secrets and records and rolls both back', () => {
    const s = storeAt(tmp(), secret())
    expect(() =>
      s.transaction(() => {
        s.secrets.putAll({ 'kms/root': secret() })
        s.records.putJson('kms/material', { domain: 'x' })
        throw new Error('abort')
      }),
    ).toThrow('abort')
    expect(s.secrets.names()).toEqual([])
    expect(s.records.names()).toEqual([])
    const out = s.transaction(() => {
      s.secrets.put('k', secret())
      return 7
    })
    expect(out).toBe(7)
    expect(s.secrets.has('k')).toBe(true)
  })

  it('refuses a different sealing key up front (STORE_WRONG_SEALING_KEY)', () => {
    const dir = tmp()
    const s = storeAt(dir, secret())
    s.secrets.put('k', secret())
    s.close()
    expect(codeOf(() => storeAt(dir, secret()))).toBe('STORE_WRONG_SEALING_KEY')
  })

  it('a row copied to another name does not open', () => {
    const s = storeAt(tmp(), secret())
    s.secrets.putAll({ a: secret(), b: secret() })
    s.db.exec("UPDATE sealed_secrets SET blob = (SELECT blob FROM sealed_secrets WHERE name = 'a') WHERE name = 'b'")
    expect(s.secrets.get('a')).toBeDefined()
    expect(codeOf(() => s.secrets.get('b'))).toBe('STORE_UNSEAL_FAILED')
  })

  it('runs domain migrations through the store and reserves "store"', () => {
    const dir = tmp()
    const key = secret()
    const s = storeAt(dir, key)
    const m = [{ id: 1, name: 'slashing', up: (db: Store['db']) => db.exec('CREATE TABLE slashing (pk BLOB)') }]
    expect(s.migrate('signer', m).applied).toEqual([1])
    expect(codeOf(() => s.migrate('store', m))).toBe('STORE_BAD_MIGRATIONS')
    s.close()
    expect(storeAt(dir, key).migrate('signer', m).applied).toEqual([])
  })

  it('rejects bad names and bad keys', () => {
    const s = storeAt(tmp(), secret())
    for (const n of ['', ' x', 'a b', 'é', '/lead', 'x'.repeat(256)])
      expect(codeOf(() => s.secrets.put(n, secret()))).toBe('STORE_INVALID_NAME')
    expect(codeOf(() => s.secrets.names('a b'))).toBe('STORE_INVALID_NAME')
    expect(codeOf(() => openStore({ dataDir: tmp(), sealingKey: secret(16) }))).toBe('STORE_BAD_KEY')
  })

  it('never writes raw secrets (or their hex) to any file in the data dir, and logs no secret', () => {
    const dir = tmp()
    const key = secret()
    const logger = memoryLogger()
    const values = Array.from({ length: 8 }, () => rand())
    const needles = [key.expose(), ...values]
    const s = storeAt(dir, key, { logger })
    s.secrets.putAll(Object.fromEntries(values.slice(0, 4).map((v, i) => [`batch/${i}`, new SecretBytes(v)])))
    for (const [i, v] of values.slice(4).entries()) s.secrets.put(`single/${i}`, new SecretBytes(v))
    s.secrets.delete('single/3') // secure_delete + sealed: no trace either way

    const scan = () => {
      const files = readdirSync(dir)
      expect(files.length).toBeGreaterThan(0)
      for (const f of files) {
        const bytes = readFileSync(join(dir, f))
        const text = bytes.toString('latin1')
        for (const n of needles) {
          expect(bytes.indexOf(Buffer.from(n))).toBe(-1)
          const hex = Buffer.from(n).toString('hex')
          expect(text.includes(hex)).toBe(false)
          expect(text.includes(hex.toUpperCase())).toBe(false)
        }
      }
      return files
    }
    // While open (WAL and shm present) …
    expect(scan()).toEqual(expect.arrayContaining(['custos.db', 'custos.db-wal', 'custos.db-shm']))
    s.close()
    // … and after close (checkpointed into the main file).
    scan()
    const logText = JSON.stringify(logger.entries)
    for (const n of needles) expect(logText).not.toContain(Buffer.from(n).toString('hex'))
  })
})
