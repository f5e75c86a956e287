/**
 * One node per data directory: `custos.lock` in the data dir, created atomically (write a private temp
 * file, then link(2) it into place, which fails if the lock exists) and holding the owner's pid. It is held
 * for the life of the node and removed by `release()`. A lock whose pid is no longer running (the node
 * crashed or was killed) is stale and taken over.
 */
import { randomUUID } from 'node:crypto'
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Logger } from '../log.js'
import { NodeError } from './errors.js'

export const DATA_DIR_LOCK_FILE = 'custos.lock'

export interface DataDirLock {
  /** absolute path of the lock file */
  readonly path: string
  /** remove the lock file if it is still ours (idempotent) */
  release(): void
}

/** `pid\nhost\ntoken\n`; the token tells our lock apart from a later one with the same pid. */
interface LockContent {
  pid: number
  host: string
  text: string
}

function readLock(path: string): LockContent | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  const [first = '', host = ''] = text.split('\n')
  const pid = Number(first)
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0, host, text }
}

/** Whether the lock's owner may still run: its pid is alive here, or it was taken on another host. */
function mayBeRunning(lock: LockContent): boolean {
  if (lock.host !== '' && lock.host !== hostname()) return true
  return isRunning(lock.pid)
}

/** Create `path` from the complete temp file: link(2) where supported, else an O_EXCL create. */
function createLock(tmp: string, path: string, text: string): void {
  try {
    linkSync(tmp, path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw e
    // file systems without hard links: exclusive create (a reader may briefly see it empty)
    writeFileSync(path, text, { flag: 'wx', mode: 0o600 })
  }
}

/** true when a process with this pid exists (EPERM: it exists but belongs to someone else). */
function isRunning(pid: number): boolean {
  if (pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

function lockedError(dataDir: string, path: string, pid: number, host: string): InstanceType<typeof NodeError> {
  const where = host !== '' && host !== hostname() ? ` on host ${host}` : ''
  const who =
    pid === process.pid && where === ''
      ? `this process (pid ${pid}) already runs a node on it`
      : `held by pid ${pid}${where}`
  return new NodeError(
    'NODE_DATA_DIR_LOCKED',
    `data directory ${dataDir} is in use: ${who} (lock file ${path}). Stop that node first; ` +
      `if pid ${pid} is not a Custos node, delete ${path}`,
    { pid, lockFile: path },
  )
}

/**
 * Take the data-dir lock or throw NODE_DATA_DIR_LOCKED naming the holder's pid and the lock file.
 * Call it before opening anything in the data dir (store, sealed files).
 */
export function acquireDataDirLock(dataDir: string, logger?: Logger): DataDirLock {
  const path = resolve(dataDir, DATA_DIR_LOCK_FILE)
  const text = `${process.pid}\n${hostname()}\n${randomUUID()}\n`
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  try {
    // a few rounds: each lost race against another starter or a stale-lock takeover retries once more
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        createLock(tmp, path, text)
        let released = false
        return {
          path,
          release() {
            if (released) return
            released = true
            try {
              if (readLock(path)?.text === text) unlinkSync(path)
            } catch {
              // already gone
            }
          },
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
      const held = readLock(path)
      if (!held) continue // released between link and read
      if (mayBeRunning(held)) throw lockedError(dataDir, path, held.pid, held.host)
      // Stale: move it aside atomically, then make sure we moved the stale one and not a fresh lock that
      // another starter put there in the meantime (which we put back).
      const aside = `${path}.${process.pid}.${randomUUID()}.stale`
      try {
        renameSync(path, aside)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw e
      }
      const moved = readLock(aside)
      if (moved && moved.text !== held.text && mayBeRunning(moved)) {
        try {
          linkSync(aside, path)
        } catch {
          // someone else holds it now; they will be found on the next round
        }
        unlinkSync(aside)
        throw lockedError(dataDir, path, moved.pid, moved.host)
      }
      unlinkSync(aside)
      logger?.warn({ lockFile: path, stalePid: held.pid }, 'removed a stale data-dir lock (its process is gone)')
    }
    throw new NodeError(
      'NODE_DATA_DIR_LOCKED',
      `cannot take the lock ${path}: other processes keep racing for it; try again`,
      { lockFile: path },
    )
  } finally {
    try {
      unlinkSync(tmp)
    } catch {
      // nothing to clean up
    }
  }
}
