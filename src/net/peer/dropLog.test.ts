import { expect, it } from 'vitest'
import { memoryLogger } from '../../log.js'
import { DropLog } from './dropLog.js'

it('counts every drop, logs at warn rate-limited per reason, and reports the suppressed count', () => {
  let now = 0
  const log = memoryLogger()
  const dropped: string[] = []
  const d = new DropLog({
    logger: log,
    burst: 3,
    intervalMs: 1000,
    now: () => now,
    metrics: { sent() {}, sendFailed() {}, received() {}, online() {}, dropped: (r) => void dropped.push(r) },
  })
  for (let i = 0; i < 10; i++) d.drop('bad_signature', { peer: 2 }, 'peer message dropped')
  d.drop('replayed', { peer: 2 }, 'peer message dropped')
  expect(d.counts.bad_signature).toBe(10)
  expect(dropped).toHaveLength(11)
  const warns = () => log.entries.filter((e) => e.level === 'warn')
  expect(warns().map((e) => (e.obj as { reason: string }).reason)).toEqual([
    'bad_signature',
    'bad_signature',
    'bad_signature',
    'replayed',
  ])
  now = 1000
  d.drop('bad_signature', { peer: 2 }, 'peer message dropped')
  expect(warns().at(-1)!.obj).toEqual({ reason: 'bad_signature', peer: 2, suppressed: 7 })
  d.drop('session_closed', { peer: 2 }, 'peer message dropped', 'debug')
  expect(log.entries.at(-1)!.level).toBe('debug')
})
