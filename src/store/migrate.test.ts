import { describe, expect, it } from 'vitest'
import { codeOf } from '../../test/support/errors.js'
import { type Migration, migrate } from './migrate.js'
import { openDatabase } from './openDatabase.js'

function steps(log: string[]): Migration[] {
  const step = (id: number, name: string, sql: string): Migration => ({
    id,
    name,
    up: (db) => {
      log.push(String(id))
      db.exec(sql)
    },
  })
  return [
    step(1, 'create t', 'CREATE TABLE t (a INTEGER)'),
    step(2, 'add b', 'ALTER TABLE t ADD COLUMN b TEXT'),
    step(3, 'index', 'CREATE INDEX t_b ON t (b)'),
  ]
}

describe('migrate', () => {
  it('applies in id order, once', () => {
    const db = openDatabase(':memory:')
    const log: string[] = []
    const list = steps(log)
    const r = migrate(db, 'kms', [list[2]!, list[0]!, list[1]!], { now: () => 42 })
    expect(r).toEqual({ applied: [1, 2, 3], version: 3 })
    expect(log).toEqual(['1', '2', '3'])
    expect(migrate(db, 'kms', list)).toEqual({ applied: [], version: 3 })
    expect(log).toEqual(['1', '2', '3'])
    const rows = db.prepare('SELECT domain, id, name, applied_at FROM schema_migrations ORDER BY id').all()
    expect(rows).toEqual([
      { domain: 'kms', id: 1, name: 'create t', applied_at: 42 },
      { domain: 'kms', id: 2, name: 'add b', applied_at: 42 },
      { domain: 'kms', id: 3, name: 'index', applied_at: 42 },
    ])
  })

  it('applies only the new steps when the code grows', () => {
    const db = openDatabase(':memory:')
    const log: string[] = []
    const list = steps(log)
    migrate(db, 'kms', list.slice(0, 1))
    expect(migrate(db, 'kms', list).applied).toEqual([2, 3])
    expect(log).toEqual(['1', '2', '3'])
  })

  it('keeps domains apart', () => {
    const db = openDatabase(':memory:')
    migrate(db, 'a', [{ id: 1, name: 'x', up: (d) => d.exec('CREATE TABLE ax (v)') }])
    expect(migrate(db, 'b', [{ id: 1, name: 'y', up: (d) => d.exec('CREATE TABLE bx (v)') }]).applied).toEqual([1])
  })

  it('refuses a database from a newer Custos', () => {
    const db = openDatabase(':memory:')
    const list = steps([])
    migrate(db, 'kms', list)
    expect(codeOf(() => migrate(db, 'kms', list.slice(0, 2)))).toBe('STORE_SCHEMA_TOO_NEW')
  })

  it('refuses a history whose names differ from the code', () => {
    const db = openDatabase(':memory:')
    const list = steps([])
    migrate(db, 'kms', list)
    const renamed = list.map((m) => (m.id === 2 ? { ...m, name: 'other' } : m))
    expect(codeOf(() => migrate(db, 'kms', renamed))).toBe('STORE_MIGRATION_MISMATCH')
  })

  it('rolls back a failing step and keeps the earlier ones', () => {
    const db = openDatabase(':memory:')
    const list: Migration[] = [
      { id: 1, name: 'ok', up: (d) => d.exec('CREATE TABLE ok (v)') },
      {
        id: 2,
        name: 'fails half way',
        up: (d) => {
          d.exec('CREATE TABLE half (v)')
          throw new Error('boom')
        },
      },
    ]
    expect(codeOf(() => migrate(db, 'x', list))).toBe('STORE_MIGRATION_FAILED')
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('ok','half')").all()
    expect(tables).toEqual([{ name: 'ok' }])
    expect(migrate(db, 'x', list.slice(0, 1))).toEqual({ applied: [], version: 1 })
  })

  it('rejects malformed migration lists', () => {
    const db = openDatabase(':memory:')
    const up = () => {}
    expect(codeOf(() => migrate(db, 'x', [{ id: 0, name: 'a', up }]))).toBe('STORE_BAD_MIGRATIONS')
    expect(codeOf(() => migrate(db, 'x', [{ id: 1.5, name: 'a', up }]))).toBe('STORE_BAD_MIGRATIONS')
    expect(
      codeOf(() =>
        migrate(db, 'x', [
          { id: 1, name: 'a', up },
          { id: 1, name: 'b', up },
        ]),
      ),
    ).toBe('STORE_BAD_MIGRATIONS')
    expect(codeOf(() => migrate(db, 'Bad Domain', [{ id: 1, name: 'a', up }]))).toBe('STORE_BAD_MIGRATIONS')
  })
})
