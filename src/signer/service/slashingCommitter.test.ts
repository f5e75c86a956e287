import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SecretKey, Signature, verify } from '@chainsafe/blst'
import { afterEach, describe, expect, it } from 'vitest'
import { SecretBytes } from '../../crypto/index.js'
import { nullLogger } from '../../log.js'
import { openDatabase, type SqliteDatabase } from '../../store/index.js'
import { applyMigrations, type SlashingCheck, SlashingError, SlashingProtection } from '../slashing/index.js'
import { SignerServiceError } from './errors.js'
import { InlineSlashingCommitter } from './inlineSlashingCommitter.js'
import type { CommitOutcome, SlashingCommitter } from './slashingCommitter.js'
import { WorkerSlashingCommitter } from './workerSlashingCommitter.js'

const GVR = new Uint8Array(32).fill(0xee)
const pk = (n: number) => new Uint8Array(48).fill(0xa0).map((x, i) => (i === 47 ? n : x))
const root = (n: number) => new Uint8Array(32).fill(n)
const att = (key: number, source: bigint, target: bigint, r: number): SlashingCheck => ({
  kind: 'attestation',
  pubkey: pk(key),
  source,
  target,
  signingRoot: root(r),
})

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

function freshDb(): { path: string; db: SqliteDatabase; protection: SlashingProtection } {
  const dir = mkdtempSync(join(tmpdir(), 'custos-committer-'))
  const path = join(dir, 'custos.db')
  const db = openDatabase(path)
  applyMigrations(db)
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanup.push(() => db.close())
  return { path, db, protection: new SlashingProtection(db) }
}

type Round = [seconds: number, size: number, thread: string]
type Made = { c: SlashingCommitter; db: SqliteDatabase; rounds: Round[] }

function committers(): Array<[string, () => Made]> {
  return [
    [
      'inline',
      () => {
        const { db, protection } = freshDb()
        const rounds: Round[] = []
        const c = new InlineSlashingCommitter(protection, GVR, nullLogger, (...r) => rounds.push(r))
        cleanup.push(() => c.close())
        return { c, db, rounds }
      },
    ],
    [
      'worker',
      () => {
        const { db, path, protection } = freshDb()
        const rounds: Round[] = []
        const inline = new InlineSlashingCommitter(protection, GVR, nullLogger)
        const c = new WorkerSlashingCommitter(
          { dbPath: path, strategy: 'complete', genesisValidatorsRoot: GVR },
          inline,
          nullLogger,
          (...r) => rounds.push(r),
        )
        cleanup.push(() => c.close())
        return { c, db, rounds }
      },
    ],
  ]
}

const settle = (p: Promise<CommitOutcome>) =>
  p.then(
    (v) => v.outcome as string,
    (e) => (e as { code?: string }).code ?? String(e),
  )

describe('SlashingProtection.checkAndRecordBatch', () => {
  it('decides in order inside one transaction; a refusal rolls back only itself', () => {
    const { db, protection } = freshDb()
    const results = protection.checkAndRecordBatch(
      [att(1, 1n, 2n, 1), att(1, 1n, 2n, 2), att(1, 0n, 3n, 3), att(1, 1n, 2n, 1), att(2, 1n, 2n, 9)],
      GVR,
    )
    expect(results.map((r) => (r.ok ? r.outcome : (r.error as SlashingError).code))).toEqual([
      'recorded',
      'SIGNER_SLASHABLE_DOUBLE_VOTE',
      'SIGNER_SLASHABLE_SURROUNDING',
      'same_data',
      'recorded',
    ])
    expect(db.prepare('SELECT count(*) FROM slashing_signed_attestations').pluck().get()).toBe(2)
  })
})

describe.each(committers())('%s slashing committer', (mode, make) => {
  it(`starts in ${mode} mode`, async () => {
    const { c } = make()
    expect(await c.ready()).toBe(mode)
  })

  it('of 40 racing conflicting attestations for one key, exactly one is allowed and recorded', async () => {
    const { c, db, rounds } = make()
    await c.ready()
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => settle(c.submit(att(1, 5n, 6n, i + 1)))))
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'SIGNER_SLASHABLE_DOUBLE_VOTE')).toHaveLength(39)
    const rows = db.prepare('SELECT signing_root FROM slashing_signed_attestations').all() as Array<{
      signing_root: Buffer
    }>
    expect(rows).toHaveLength(1)
    expect(rows[0]!.signing_root[0]).toBe(outcomes.indexOf('recorded') + 1) // the allowed one is the one on disk
    // every request was decided in some round, on this committer's thread, and rounds took time
    expect(rounds.reduce((n, [, size]) => n + size, 0)).toBe(40)
    expect(rounds.every(([seconds, , thread]) => seconds > 0 && thread === mode)).toBe(true)
  })

  it('rebuilds refusals as the same SlashingError (412) with its meta', async () => {
    const { c } = make()
    await c.submit(att(3, 10n, 20n, 1))
    const err = await c.submit(att(3, 11n, 19n, 2)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SlashingError)
    expect((err as SlashingError).code).toBe('SIGNER_SLASHABLE_SURROUNDED')
    expect((err as SlashingError).status).toBe(412)
    expect((err as SlashingError).meta).toMatchObject({ prevSourceEpoch: '10', prevTargetEpoch: '20' })
    expect((await c.submit(att(3, 20n, 21n, 3))).outcome).toBe('recorded')
  })

  it('a locked database refuses the round with SIGNER_SLASHING_UNAVAILABLE (503) and records nothing', async () => {
    const { db, path, protection } = freshDb()
    const second = openDatabase(path, { busyTimeoutMs: 50 })
    cleanup.push(() => second.close())
    const c =
      mode === 'inline'
        ? new InlineSlashingCommitter(new SlashingProtection(second), GVR, nullLogger)
        : new WorkerSlashingCommitter(
            { dbPath: path, strategy: 'complete', genesisValidatorsRoot: GVR, busyTimeoutMs: 50 },
            new InlineSlashingCommitter(protection, GVR, nullLogger),
            nullLogger,
          )
    cleanup.push(() => c.close())
    expect(await c.ready()).toBe(mode)
    db.exec('BEGIN IMMEDIATE') // another writer holds the lock
    const err = await c.submit(att(4, 1n, 2n, 1)).catch((e: unknown) => e)
    db.exec('ROLLBACK')
    expect(err).toBeInstanceOf(SignerServiceError)
    expect((err as SignerServiceError).code).toBe('SIGNER_SLASHING_UNAVAILABLE')
    expect((err as SignerServiceError).status).toBe(503)
    expect(db.prepare('SELECT count(*) FROM slashing_signed_attestations').pluck().get()).toBe(0)
    expect((await c.submit(att(4, 1n, 2n, 1))).outcome).toBe('recorded')
  })
})

describe('WorkerSlashingCommitter', () => {
  it('signs what it allowed once committed, with the key that came along, and nothing it refused', async () => {
    const { path, protection, db } = freshDb()
    const c = new WorkerSlashingCommitter(
      { dbPath: path, strategy: 'complete', genesisValidatorsRoot: GVR },
      new InlineSlashingCommitter(protection, GVR, nullLogger),
      nullLogger,
    )
    cleanup.push(() => c.close())
    expect(await c.ready()).toBe('worker')
    const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(7))
    const secret = new SecretBytes(sk.toBytes())
    const pubkey = sk.toPublicKey().toBytes(true)
    const check = (target: bigint, r: number): SlashingCheck => ({
      kind: 'attestation',
      pubkey,
      source: target - 1n,
      target,
      signingRoot: root(r),
    })
    const [a, b, d] = await Promise.all([
      c.submit(check(10n, 1), secret),
      c.submit(check(10n, 2), secret).catch((e: unknown) => e),
      c.submit(check(11n, 3)), // no key: decided, not signed
    ])
    expect((a as CommitOutcome).outcome).toBe('recorded')
    const sig = (a as CommitOutcome).signature!
    expect(verify(root(1), sk.toPublicKey(), Signature.fromBytes(sig))).toBe(true)
    expect((b as SlashingError).code).toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    expect(d).toEqual({ outcome: 'recorded' })
    expect(secret.expose().some((x) => x !== 0)).toBe(true) // the caller's key is untouched
    expect(db.prepare('SELECT count(*) FROM slashing_signed_attestations').pluck().get()).toBe(2)
  })

  it('falls back to committing on this thread when the worker cannot open the database', async () => {
    const { db, path, protection } = freshDb()
    const c = new WorkerSlashingCommitter(
      // a database "inside" a regular file: openDatabase fails with ENOTDIR in the worker
      { dbPath: join(path, 'custos.db'), strategy: 'complete', genesisValidatorsRoot: GVR },
      new InlineSlashingCommitter(protection, GVR, nullLogger),
      nullLogger,
    )
    cleanup.push(() => c.close())
    const early = c.submit(att(5, 1n, 2n, 1)) // before the worker failed: held, then decided on this thread
    expect(await c.ready()).toBe('inline')
    expect((await early).outcome).toBe('recorded')
    await expect(settle(c.submit(att(5, 1n, 2n, 2)))).resolves.toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    expect(db.prepare('SELECT count(*) FROM slashing_signed_attestations').pluck().get()).toBe(1)
  })

  it('refuses requests after close', async () => {
    const { path, protection } = freshDb()
    const c = new WorkerSlashingCommitter(
      { dbPath: path, strategy: 'complete', genesisValidatorsRoot: GVR },
      new InlineSlashingCommitter(protection, GVR, nullLogger),
      nullLogger,
    )
    await c.ready()
    await c.close()
    await expect(settle(c.submit(att(6, 1n, 2n, 1)))).resolves.toBe('SIGNER_SLASHING_UNAVAILABLE')
  })
})
