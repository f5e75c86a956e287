import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SecretBytes } from '../../crypto/index.js'
import { memoryLogger } from '../../log.js'
import { openCommitteeStore, openStore, type Store } from '../../store/index.js'
import { parseCommittee } from './committeeFile.js'
import { leaveCommittee } from './leaveCommittee.js'

const dirs: string[] = []
const stores: Store[] = []
afterAll(() => {
  for (const s of stores) s.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const key = (b: number) => new Uint8Array(32).fill(b)
const hex = (b: number) => Buffer.from(key(b)).toString('hex')
const committee = (epoch: number, ids: number[]) =>
  parseCommittee({
    epoch,
    threshold: 2,
    participants: ids.map((id) => ({ id, node_key: hex(id + 1), url: `https://127.0.0.1:${7000 + id}` })),
    domains: [{ id: 0, scheme: 'Ed25519' }],
  })

function storeWithShares(epochs: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'custos-leave-'))
  dirs.push(dir)
  const store = openStore({ dataDir: dir, sealingKey: new SecretBytes(new Uint8Array(32).fill(3)) })
  stores.push(store)
  const cs = openCommitteeStore(store)
  for (const epoch of epochs)
    cs.shares.putActive({
      epoch,
      domainId: 0,
      attemptId: 1,
      share: new SecretBytes(new Uint8Array(32).fill(9)),
      publicPackage: new Uint8Array(8),
    })
  return cs
}

describe('leaveCommittee', () => {
  it('a member keeps everything', () => {
    const cs = storeWithShares([1])
    expect(leaveCommittee(cs, committee(2, [0, 1, 2]), 1, key(2))).toEqual({ kind: 'member' })
    expect(cs.shares.epochs()).toEqual([1n])
  })

  it('a node a later epoch does not list erases the shares of its earlier epochs', () => {
    const cs = storeWithShares([1, 2])
    const log = memoryLogger()
    const r = leaveCommittee(cs, committee(3, [0, 1, 2]), 4, key(5), log)
    expect(r).toEqual({ kind: 'left', erasedEpochs: [1n, 2n], erasedShares: 2 })
    expect(cs.shares.list()).toEqual([])
    expect(log.entries.some((e) => e.level === 'warn' && /not a member of the new epoch/.test(e.msg))).toBe(true)
  })

  it('keeps the shares when nothing shows an epoch change (same epoch, or the key listed under another id)', () => {
    const same = storeWithShares([2])
    expect(leaveCommittee(same, committee(2, [0, 1, 2]), 4, key(5))).toMatchObject({ kind: 'not-listed' })
    expect(same.shares.epochs()).toEqual([2n])
    const renamed = storeWithShares([1])
    expect(leaveCommittee(renamed, committee(2, [0, 1, 2]), 7, key(2))).toMatchObject({
      kind: 'not-listed',
      reason: expect.stringMatching(/listed under another participant id/),
    })
    expect(renamed.shares.epochs()).toEqual([1n])
    expect(leaveCommittee(storeWithShares([]), committee(2, [0, 1]), 4, key(5))).toMatchObject({ kind: 'not-listed' })
  })
})
