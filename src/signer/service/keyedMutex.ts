/**
 * One FIFO queue per key: `run(key, fn)` starts `fn` only after every earlier `run` for the same key has settled.
 * Different keys never wait for each other. The map entry is dropped when a key's queue drains.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>()

  async run<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((r) => {
      release = r
    })
    const tail = prev.then(() => mine)
    this.#tails.set(key, tail)
    await prev
    try {
      return await fn()
    } finally {
      release()
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }

  /** Keys with a queued or running task (for tests and metrics). */
  get busyKeys(): number {
    return this.#tails.size
  }
}
