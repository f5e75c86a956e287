import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** One PCS response as cached on disk (public data: Intel-signed collateral, no secrets). */
export interface CachedItem {
  /** cache key, also the file name stem: `pckcrl-processor`, `tcb-tdx-B0C06F000000`, `qe-sgx`, `rootcacrl` */
  key: string
  url: string
  /** unix seconds */
  fetchedAt: number
  /** unix seconds: the item's own nextUpdate (JSON field or CRL nextUpdate) */
  nextUpdate: number
  /** URL-decoded PEM issuer chain from the response header ('' for the root CA CRL) */
  issuerChain: string
  /** response body, base64 (exact bytes) */
  body: string
}

const KEY_RE = /^[a-z]+(?:-[a-z]+)?(?:-[0-9A-F]{12})?$/

/** Store of PCS responses: a directory of `<key>.json` files, or memory only when `dir` is undefined. */
export class CollateralCache {
  readonly #dir: string | undefined
  readonly #mem = new Map<string, CachedItem>()

  constructor(dir?: string) {
    this.#dir = dir
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 })
  }

  /** The cached item, or undefined when absent or unreadable (a corrupt file counts as absent). */
  get(key: string): CachedItem | undefined {
    checkKey(key)
    const hit = this.#mem.get(key)
    if (hit || !this.#dir) return hit
    let item: unknown
    try {
      item = JSON.parse(readFileSync(join(this.#dir, `${key}.json`), 'utf8'))
    } catch {
      return undefined
    }
    if (!isItem(item) || item.key !== key) return undefined
    this.#mem.set(key, item)
    return item
  }

  /** Write through (atomic rename, so a crash never leaves a half-written file). */
  put(item: CachedItem): void {
    checkKey(item.key)
    this.#mem.set(item.key, item)
    if (!this.#dir) return
    const file = join(this.#dir, `${item.key}.json`)
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, `${JSON.stringify(item, null, 1)}\n`, { mode: 0o600 })
    renameSync(tmp, file)
  }
}

function checkKey(key: string): void {
  if (!KEY_RE.test(key)) throw new RangeError(`invalid collateral cache key ${JSON.stringify(key)}`)
}

function isItem(v: unknown): v is CachedItem {
  if (!v || typeof v !== 'object') return false
  const o = v as Record<string, unknown>
  return (
    typeof o['key'] === 'string' &&
    typeof o['url'] === 'string' &&
    typeof o['fetchedAt'] === 'number' &&
    typeof o['nextUpdate'] === 'number' &&
    typeof o['issuerChain'] === 'string' &&
    typeof o['body'] === 'string'
  )
}
