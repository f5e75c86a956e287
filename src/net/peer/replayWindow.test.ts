import { describe, expect, it } from 'vitest'
import { ReplayWindow } from './replayWindow.js'

const s1 = new Uint8Array(32).fill(1)
const s2 = new Uint8Array(32).fill(2)
const e = (sender: number, seq: bigint, p: { epoch?: bigint; sessionId?: Uint8Array; round?: string } = {}) => ({
  sender,
  seq,
  epoch: p.epoch ?? 1n,
  sessionId: p.sessionId ?? s1,
  round: p.round ?? 'r',
})

describe('ReplayWindow', () => {
  it('accepts a key once; any field change makes a new key', () => {
    const w = new ReplayWindow(16)
    expect(w.accept(e(1, 10n))).toBe(true)
    expect(w.accept(e(1, 10n))).toBe(false)
    expect(w.accept(e(2, 10n))).toBe(true) // other sender
    expect(w.accept(e(1, 10n, { epoch: 2n }))).toBe(true)
    expect(w.accept(e(1, 10n, { sessionId: s2 }))).toBe(true)
    expect(w.accept(e(1, 10n, { round: 'r2' }))).toBe(true)
    expect(w.accept(e(1, 11n))).toBe(true)
    expect(w.size).toBe(6)
  })

  it('is bounded per sender; evicted seqs become a floor that refuses old replays', () => {
    const w = new ReplayWindow(4)
    for (let i = 1n; i <= 10n; i++) expect(w.accept(e(1, i))).toBe(true)
    expect(w.size).toBe(4)
    for (let i = 1n; i <= 10n; i++) expect(w.accept(e(1, i)), `seq ${i}`).toBe(false)
    expect(w.accept(e(1, 11n))).toBe(true)
    // other senders are not affected by sender 1's floor
    expect(w.accept(e(2, 1n))).toBe(true)
    w.forget(1)
    expect(w.accept(e(1, 1n))).toBe(true)
  })

  it('out-of-order arrival within the window is fine', () => {
    const w = new ReplayWindow(8)
    for (const i of [5n, 3n, 4n, 1n, 2n]) expect(w.accept(e(1, i))).toBe(true)
    for (const i of [1n, 2n, 3n, 4n, 5n]) expect(w.accept(e(1, i))).toBe(false)
  })
})
