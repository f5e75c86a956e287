import { describe, expect, it } from 'vitest'
import { SessionQueues } from './sessionQueues.js'
import type { ReceivedEnvelope } from './types.js'

const sid = (n: number) => new Uint8Array(32).fill(n)
const msg = (p: Partial<ReceivedEnvelope> & { round: string }): ReceivedEnvelope => ({
  epoch: 1n,
  sessionId: sid(1),
  sender: 1,
  recipient: 'all',
  seq: 1n,
  payload: new Uint8Array(10),
  signature: new Uint8Array(64),
  raw: new Uint8Array(0),
  ...p,
})
const limits = { maxQueuedPerSession: 3, maxQueuedBytes: 100, maxSessions: 2, sessionIdleMs: 1000 }

describe('SessionQueues', () => {
  it('hands a message to a waiting recv, or queues it until one asks; filters by round and sender', async () => {
    const q = new SessionQueues(limits)
    const waiting = q.recv({ epoch: 1n, sessionId: sid(1), round: 'a', from: 2 }, 1000)
    expect(q.push(msg({ round: 'a', sender: 1 }))).toBe('ok')
    expect(q.push(msg({ round: 'a', sender: 2 }))).toBe('ok')
    expect((await waiting).sender).toBe(2)
    expect((await q.recv({ epoch: 1n, sessionId: sid(1), round: 'a' }, 10)).sender).toBe(1)
    await expect(q.recv({ epoch: 1n, sessionId: sid(1), round: 'a' }, 10)).rejects.toMatchObject({
      code: 'PEER_TIMEOUT',
    })
    expect(q.stats).toEqual({ sessions: 1, messages: 0, bytes: 0 })
  })

  it('bounds messages per session, bytes overall and sessions; idle sessions are swept', () => {
    let now = 0
    const q = new SessionQueues(limits, () => now)
    for (let i = 0; i < 3; i++) expect(q.push(msg({ round: 'a' }))).toBe('ok')
    expect(q.push(msg({ round: 'a' }))).toBe('backpressure')
    expect(q.push(msg({ round: 'a', sessionId: sid(2), payload: new Uint8Array(71) }))).toBe('backpressure') // bytes
    expect(q.push(msg({ round: 'a', sessionId: sid(2) }))).toBe('ok')
    expect(q.push(msg({ round: 'a', sessionId: sid(3) }))).toBe('backpressure') // sessions
    now = 2000
    expect(q.push(msg({ round: 'a', sessionId: sid(3) }))).toBe('ok') // the idle ones were swept
    expect(q.stats).toEqual({ sessions: 1, messages: 1, bytes: 10 })
  })

  it('close() fails waiters and refuses later messages; keepEpoch() drops other epochs', async () => {
    const q = new SessionQueues(limits)
    const w = q.recv({ epoch: 1n, sessionId: sid(1), round: 'a' }, 1000)
    q.close(1n, sid(1))
    await expect(w).rejects.toMatchObject({ code: 'PEER_SESSION_CLOSED' })
    expect(q.push(msg({ round: 'a' }))).toBe('session_closed')
    const old = q.recv({ epoch: 1n, sessionId: sid(2), round: 'a' }, 1000)
    q.push(msg({ round: 'x', epoch: 2n, sessionId: sid(2) }))
    q.keepEpoch(2n)
    await expect(old).rejects.toMatchObject({ code: 'PEER_EPOCH_CHANGED' })
    expect(q.stats.messages).toBe(1)
  })
})
