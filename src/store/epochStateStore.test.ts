import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SecretBytes, toHex } from '../crypto/index.js'
import { openCommitteeStore } from './openCommitteeStore.js'
import { openStore, type Store } from './openStore.js'

const dirs: string[] = []
const open: Store[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const key = new SecretBytes(new Uint8Array(32).fill(4))
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-committee-'))
  dirs.push(d)
  return d
}
const storeAt = (dataDir: string) => {
  const s = openStore({ dataDir, sealingKey: key })
  open.push(s)
  return s
}
const share = (b: number) => new SecretBytes(new Uint8Array(32).fill(b))
const pkg = (b: number) => new Uint8Array(40).fill(b)

describe('ShareStore + EpochStateStore', () => {
  it('DKG: pending shares become active on completion; get returns share and package', () => {
    const c = openCommitteeStore(storeAt(fresh()))
    expect(c.epochs.get()).toBeUndefined()
    c.epochs.beginAttempt({ epoch: 1, kind: 'dkg', attemptId: 0 })
    c.shares.putPending({ epoch: 1, domainId: 0, attemptId: 0, share: share(1), publicPackage: pkg(1) })
    c.shares.putPending({ epoch: 1, domainId: 1, attemptId: 0, share: share(2), publicPackage: pkg(2) })
    expect(c.shares.get(1, 0)).toBeUndefined()
    expect(c.epochs.completeAttempt({ epoch: 1, attemptId: 0 })).toEqual([0, 1])
    expect(c.epochs.get()).toEqual({
      epoch: 1n,
      status: 'running',
      attemptId: null,
      lastAttemptId: 0n,
      runningEpoch: null,
    })
    const s = c.shares.require(1, 1)
    expect(toHex(s.share.expose())).toBe('02'.repeat(32))
    expect(s.publicPackage).toEqual(pkg(2))
    expect(s.attemptId).toBe(0n)
    expect(c.shares.list().map((x) => [x.epoch, x.domainId, x.status])).toEqual([
      [1n, 0, 'active'],
      [1n, 1, 'active'],
    ])
    expect(() => c.shares.require(1, 7)).toThrow(expect.objectContaining({ code: 'STORE_SHARE_UNKNOWN' }))
  })

  it('a restart mid-resharing abandons the attempt: pending shares gone, old epoch still active, retry needs a higher attempt', () => {
    const dir = fresh()
    const s1 = storeAt(dir)
    const c = openCommitteeStore(s1)
    c.epochs.beginAttempt({ epoch: 1, kind: 'dkg', attemptId: 0 })
    c.shares.putPending({ epoch: 1, domainId: 0, attemptId: 0, share: share(1), publicPackage: pkg(1) })
    c.epochs.completeAttempt({ epoch: 1, attemptId: 0 })
    c.epochs.beginAttempt({ epoch: 2, kind: 'resharing', attemptId: 5 })
    c.shares.putPending({ epoch: 2, domainId: 0, attemptId: 5, share: share(9), publicPackage: pkg(1) })
    s1.close()

    const c2 = openCommitteeStore(storeAt(dir))
    expect(c2.recovered.abandonedAttempt).toEqual({ epoch: 2n, status: 'resharing', attemptId: 5n, discardedShares: 1 })
    expect(c2.epochs.get()).toEqual({
      epoch: 2n,
      status: 'resharing',
      attemptId: null,
      lastAttemptId: 5n,
      runningEpoch: 1n,
    })
    expect(c2.shares.list().map((x) => [x.epoch, x.status])).toEqual([[1n, 'active']])
    expect(() => c2.epochs.beginAttempt({ epoch: 2, kind: 'resharing', attemptId: 5 })).toThrow(
      expect.objectContaining({ code: 'STORE_ATTEMPT_STALE' }),
    )
    expect(() => c2.epochs.completeAttempt({ epoch: 2, attemptId: 5 })).toThrow(
      expect.objectContaining({ code: 'STORE_EPOCH_STATE_CONFLICT' }),
    )
    c2.epochs.beginAttempt({ epoch: 2, kind: 'resharing', attemptId: 6 })
    c2.shares.putPending({ epoch: 2, domainId: 0, attemptId: 6, share: share(7), publicPackage: pkg(1) })
    expect(c2.epochs.completeAttempt({ epoch: 2, attemptId: 6 })).toEqual([0])
    // the old epoch's shares are erased once the new one runs
    expect(c2.shares.list().map((x) => [x.epoch, x.attemptId, x.status])).toEqual([[2n, 6n, 'active']])
    expect(c2.shares.get(1, 0)).toBeUndefined()
    expect(openCommitteeStore(open.at(-1)!).recovered.abandonedAttempt).toBeUndefined()
  })

  it('a superseding attempt discards the pending shares of the previous one; eraseEpoch removes an epoch', () => {
    const c = openCommitteeStore(storeAt(fresh()))
    c.epochs.beginAttempt({ epoch: 3, kind: 'dkg', attemptId: 1 })
    c.shares.putPending({ epoch: 3, domainId: 0, attemptId: 1, share: share(1), publicPackage: pkg(1) })
    c.epochs.beginAttempt({ epoch: 3, kind: 'dkg', attemptId: 2 })
    expect(c.shares.list()).toEqual([])
    c.shares.putPending({ epoch: 3, domainId: 0, attemptId: 2, share: share(2), publicPackage: pkg(2) })
    c.epochs.completeAttempt({ epoch: 3, attemptId: 2 })
    expect(() => c.epochs.beginAttempt({ epoch: 2, kind: 'dkg', attemptId: 9 })).toThrow(
      expect.objectContaining({ code: 'STORE_EPOCH_STATE_CONFLICT' }),
    )
    expect(() => c.epochs.beginAttempt({ epoch: 3, kind: 'resharing', attemptId: 9 })).toThrow(
      expect.objectContaining({ code: 'STORE_EPOCH_STATE_CONFLICT' }),
    )
    expect(c.shares.eraseEpoch(3)).toBe(1)
    expect(c.shares.get(3, 0)).toBeUndefined()
    expect(c.shares.eraseEpoch(3)).toBe(0)
  })

  it('shares are sealed under their name: a blob moved to another epoch does not open', () => {
    const s = storeAt(fresh())
    const c = openCommitteeStore(s)
    c.shares.putActive({ epoch: 1, domainId: 0, attemptId: 0, share: share(1), publicPackage: pkg(1) })
    s.db.prepare("UPDATE sealed_secrets SET name = 'committee/share/2/0/0' WHERE name = 'committee/share/1/0/0'").run()
    expect(() => c.shares.get(2, 0)).toThrow(expect.objectContaining({ code: 'STORE_UNSEAL_FAILED' }))
  })
})
