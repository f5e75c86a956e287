import { AttestationError } from '../errors.js'

/** Little-endian reader over a quote that reports the absolute offset of any truncation. */
export class ByteCursor {
  readonly #b: Uint8Array
  readonly #dv: DataView
  #off: number
  readonly #end: number
  readonly #what: string

  constructor(bytes: Uint8Array, what: string, start = 0, end = bytes.length) {
    this.#b = bytes
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.#off = start
    this.#end = end
    this.#what = what
  }
  get offset(): number {
    return this.#off
  }
  get remaining(): number {
    return this.#end - this.#off
  }
  #need(n: number, field: string): void {
    if (n < 0 || this.#off + n > this.#end)
      throw new AttestationError(
        'ATTESTATION_MALFORMED',
        `${this.#what} is truncated: ${field} needs ${n} bytes at offset ${this.#off}, only ${this.remaining} left`,
        { offset: this.#off, field },
      )
  }
  bytes(n: number, field: string): Uint8Array {
    this.#need(n, field)
    const out = this.#b.subarray(this.#off, this.#off + n)
    this.#off += n
    return out
  }
  u16(field: string): number {
    this.#need(2, field)
    const v = this.#dv.getUint16(this.#off, true)
    this.#off += 2
    return v
  }
  u32(field: string): number {
    this.#need(4, field)
    const v = this.#dv.getUint32(this.#off, true)
    this.#off += 4
    return v
  }
}

export function malformed(what: string, offset: number, field: string): never {
  throw new AttestationError('ATTESTATION_MALFORMED', `${what} at offset ${offset} (${field})`, { offset, field })
}
