/**
 * Secret material in a wrapper that cannot be logged or serialised by accident.
 * Every `expose()` call site is a review point.
 */
export class SecretBytes {
  readonly #bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
  }

  get length(): number {
    return this.#bytes.length
  }

  expose(): Uint8Array {
    return this.#bytes
  }

  /** Overwrite the bytes; the wrapper is unusable afterwards. */
  wipe(): void {
    this.#bytes.fill(0)
  }

  toJSON(): string {
    return '[secret]'
  }

  toString(): string {
    return '[secret]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SecretBytes([secret])'
  }
}
