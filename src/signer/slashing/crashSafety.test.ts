import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { GVR, pk, root } from '../../../test/support/slashing.js'
import { applyMigrations } from './migrations.js'
import { SlashingProtection } from './slashingProtection.js'

const K = pk(1)
let dir: string
let file: string
const open = (timeout = 5000) => {
  const db = new Database(file, { timeout })
  db.pragma('journal_mode = WAL')
  applyMigrations(db)
  return db
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'custos-slashing-'))
  file = join(dir, 'slashing.sqlite')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('crash safety and serialisation', () => {
  it('a record survives reopening the file: the second, slashable request is refused', () => {
    const db1 = open()
    const sp1 = new SlashingProtection(db1)
    expect(sp1.checkAndRecordBlock(K, 100n, root(1), GVR)).toBe('recorded')
    expect(sp1.checkAndRecordAttestation(K, 10n, 11n, root(1), GVR)).toBe('recorded')
    // "restart": a new connection while the old one is still open (never closed cleanly), then drop the old one
    const db2 = open()
    const sp2 = new SlashingProtection(db2)
    expect(codeOf(() => sp2.checkAndRecordBlock(K, 100n, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
    expect(codeOf(() => sp2.checkAndRecordAttestation(K, 10n, 11n, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    expect(codeOf(() => sp2.checkAndRecordAttestation(K, 9n, 12n, root(2), GVR))).toBe('SIGNER_SLASHABLE_SURROUNDING')
    db1.close()
    expect(sp2.checkAndRecordBlock(K, 100n, root(1), GVR)).toBe('same_data')
    db2.close()
  })

  it('two connections racing on one key: exactly one of two conflicting requests wins', () => {
    const a = new SlashingProtection(open())
    const b = new SlashingProtection(open())
    const results = [
      codeOf(() => a.checkAndRecordAttestation(K, 5n, 6n, root(1), GVR)),
      codeOf(() => b.checkAndRecordAttestation(K, 5n, 6n, root(2), GVR)),
      codeOf(() => b.checkAndRecordBlock(K, 7n, root(2), GVR)),
      codeOf(() => a.checkAndRecordBlock(K, 7n, root(1), GVR)),
    ]
    expect(results).toEqual([undefined, 'SIGNER_SLASHABLE_DOUBLE_VOTE', undefined, 'SIGNER_SLASHABLE_DOUBLE_BLOCK'])
  })

  it('takes the write lock before checking (BEGIN IMMEDIATE): a busy database fails closed', () => {
    const holder = open()
    const sp = new SlashingProtection(open(0))
    holder.exec('BEGIN IMMEDIATE')
    try {
      expect(codeOf(() => sp.checkAndRecordBlock(K, 1n, root(1), GVR))).toBe('SQLITE_BUSY')
    } finally {
      holder.exec('COMMIT')
    }
    expect(sp.checkAndRecordBlock(K, 1n, root(1), GVR)).toBe('recorded')
    expect(new SlashingProtection(holder).checkAndRecordBlock(K, 1n, root(1), GVR)).toBe('same_data')
  })

  it('kill -9 while signing: every slot reported as recorded is refused for other data after restart', async () => {
    const db = open()
    db.close()
    const mod = fileURLToPath(new URL('./slashingProtection.ts', import.meta.url))
    const child = `
      import Database from 'better-sqlite3'
      const { SlashingProtection } = await import(${JSON.stringify(mod)})
      const db = new Database(${JSON.stringify(file)}); db.pragma('journal_mode = WAL')
      const sp = new SlashingProtection(db)
      const pk = new Uint8Array(48).fill(0xa0); pk[47] = 1
      const gvr = new Uint8Array(32); gvr[31] = 0xee
      const root = new Uint8Array(32); root[31] = 1
      for (let slot = 1n; ; slot++) { sp.checkAndRecordBlock(pk, slot, root, gvr); process.stdout.write(slot + '\\n') }
    `
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    proc.stderr.on('data', (d) => {
      err += d
    })
    const lastReported = await new Promise<bigint>((resolve, reject) => {
      proc.stdout.on('data', (d) => {
        out += d
        if (out.split('\n').length > 50) proc.kill('SIGKILL')
      })
      proc.on('exit', (_code, signal) => {
        const lines = out.split('\n').filter(Boolean)
        if (signal !== 'SIGKILL' || lines.length === 0) reject(new Error(`child ended without SIGKILL: ${err}`))
        else resolve(BigInt(lines[lines.length - 1]!))
      })
    })
    expect(lastReported).toBeGreaterThan(49n)
    const after = open()
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok')
    const sp = new SlashingProtection(after)
    for (const slot of [1n, lastReported / 2n, lastReported]) {
      expect(codeOf(() => sp.checkAndRecordBlock(K, slot, root(2), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
    }
    after.close()
  })
})
