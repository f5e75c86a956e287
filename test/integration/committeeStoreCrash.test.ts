/**
 * Crash safety of the committee's durable state (issue 13): a child process using the real sealed store is
 * SIGKILLed between steps and at random points of a reserve/take loop. Afterwards no nonce was ever returned
 * twice, every nonce left reserved by a killed process is burned (and refused), and a key-event attempt in
 * progress is abandoned while the running epoch's share is unchanged.
 *
 * Note: SIGKILL keeps the OS page cache, so this checks "committed before printed" ordering and the burn on
 * reopen, not fsync durability across power loss (the store runs synchronous=FULL).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { fromHex, SecretBytes, toHex } from '../../src/crypto/index.js'
import { openCommitteeStore, openStore } from '../../src/store/index.js'

const CHILD = resolve(import.meta.dirname, 'committeeStoreCrashChild.ts')
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-committee-crash-'))
  dirs.push(d)
  return d
}

interface Child {
  proc: ChildProcess
  lines: string[]
  /** resolves with the first line matching `re` */
  waitFor(re: RegExp): Promise<string>
  exited: Promise<void>
}

function run(dir: string, ...args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ...args], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines: string[] = []
  const watchers: Array<{ re: RegExp; resolve: (l: string) => void }> = []
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l)
    for (const w of [...watchers])
      if (w.re.test(l)) {
        watchers.splice(watchers.indexOf(w), 1)
        w.resolve(l)
      }
  })
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return {
    proc,
    lines,
    exited,
    waitFor: (re) => {
      const hit = lines.find((l) => re.test(l))
      return hit ? Promise.resolve(hit) : new Promise((r) => watchers.push({ re, resolve: r }))
    },
  }
}

async function kill9(c: Child): Promise<void> {
  c.proc.kill('SIGKILL')
  await c.exited
}

const openHere = (dir: string) => {
  const store = openStore({ dataDir: dir, sealingKey: new SecretBytes(new Uint8Array(32).fill(0x42)) })
  return { store, c: openCommitteeStore(store) }
}

describe('committee store under SIGKILL', () => {
  it('killed between reserve and take: the nonce is burned on restart and never returned', async () => {
    const dir = fresh()
    const a = run(dir, 'step')
    const [, sid] = (await a.waitFor(/^R /)).split(' ')
    await kill9(a)
    const b = run(dir, 'take', sid!)
    await b.exited
    expect(b.lines).toEqual(['OPEN 1 -', `TAKE ${sid} STORE_NONCE_BURNED`])
  })

  it('random SIGKILLs during a reserve/take loop: no nonce is ever returned twice', async () => {
    const dir = fresh()
    const generations: string[][] = []
    const rnd = (() => {
      let x = 0x9e3779b9
      return () => {
        x = (x * 1664525 + 1013904223) >>> 0
        return x / 2 ** 32
      }
    })()
    for (let g = 0; g < 8; g++) {
      const child = run(dir, 'loop')
      await child.waitFor(/^T /)
      await new Promise((r) => setTimeout(r, 20 + Math.floor(rnd() * 200)))
      await kill9(child)
      generations.push(child.lines)
    }
    const taken = new Map<string, string>() // nonce → session
    const reservedBy = new Map<string, number>() // session → generation
    let burnedReported = 0
    generations.forEach((lines, g) => {
      for (const l of lines) {
        const [kind, sid, nonce] = l.split(' ') as [string, string, string]
        if (kind === 'OPEN') burnedReported += Number(sid)
        if (kind === 'R') reservedBy.set(sid, g)
        if (kind === 'T') {
          expect(taken.has(nonce), `nonce of ${sid} returned twice`).toBe(false)
          expect(reservedBy.get(sid), 'taken in the generation that reserved it').toBe(g)
          taken.set(nonce, sid)
        }
      }
    })
    expect(taken.size).toBeGreaterThan(50)
    expect(new Set(taken.values()).size).toBe(taken.size)

    const { store, c } = openHere(dir)
    try {
      const ledger = c.nonces.inspect()
      expect(ledger.reserved).toBe(0)
      expect(c.nonces.sealedCount()).toBe(0)
      // every session a killed process left reserved was burned by the next open (the last one by ours)
      expect(ledger.burned).toBe(burnedReported + c.recovered.burnedNonces)
      expect(ledger.burned).toBeGreaterThan(0)
      const state = new Map(ledger.records.map((r) => [toHex(r.sessionId), r.state]))
      for (const sid of taken.values()) expect(state.get(sid)).toBe('used')
      // nothing reserved by any generation can be taken again
      for (const sid of reservedBy.keys()) {
        expect(['used', 'burned']).toContain(state.get(sid))
        expect(() => c.nonces.take(fromHex(sid))).toThrow(/STORE_NONCE_(USED|BURNED)/)
      }
    } finally {
      store.close()
    }
  })

  it('killed mid-resharing: the attempt is abandoned, its pending share discarded, the running share unchanged', async () => {
    const dir = fresh()
    const a = run(dir, 'keyevent')
    const share = (await a.waitFor(/^SHARE /)).split(' ')[1]
    await a.waitFor(/^PENDING$/)
    await kill9(a)
    const { store, c } = openHere(dir)
    try {
      expect(c.recovered.abandonedAttempt).toEqual({
        epoch: 2n,
        status: 'resharing',
        attemptId: 3n,
        discardedShares: 1,
      })
      expect(c.epochs.get()).toMatchObject({ epoch: 2n, status: 'resharing', attemptId: null, runningEpoch: 1n })
      expect(toHex(c.shares.require(1, 0).share.expose())).toBe(share)
      expect(c.shares.list().map((s) => s.status)).toEqual(['active'])
    } finally {
      store.close()
    }
  })
})
