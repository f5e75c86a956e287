import { describe, expect, it } from 'vitest'
import { KeyedMutex } from './keyedMutex.js'

const tick = () => new Promise((r) => setTimeout(r, 1))

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time, in order, even when they await', async () => {
    const m = new KeyedMutex()
    const log: string[] = []
    let inside = 0
    let maxInside = 0
    const task = (name: string) =>
      m.run('k', async () => {
        inside++
        maxInside = Math.max(maxInside, inside)
        log.push(`start ${name}`)
        await tick()
        log.push(`end ${name}`)
        inside--
        return name
      })
    expect(await Promise.all([task('a'), task('b'), task('c')])).toEqual(['a', 'b', 'c'])
    expect(maxInside).toBe(1)
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(m.busyKeys).toBe(0)
  })

  it('a failing task releases the lock; other keys do not wait', async () => {
    const m = new KeyedMutex()
    const order: string[] = []
    const slow = m.run('a', async () => {
      await tick()
      await tick()
      order.push('a')
    })
    const fast = m.run('b', () => {
      order.push('b')
    })
    const failing = m.run('a', () => {
      throw new Error('boom')
    })
    const after = m.run('a', () => 'ok')
    await Promise.all([slow, fast])
    await expect(failing).rejects.toThrow('boom')
    expect(await after).toBe('ok')
    expect(order).toEqual(['b', 'a'])
  })
})
