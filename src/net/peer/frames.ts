/**
 * Envelopes travel on one long-lived HTTP/2 stream per connection (POST `STREAM_PATH`), framed, and each is
 * acknowledged on the response body of that stream; per-message HTTP/2 streams cost as much CPU as the Ed25519
 * signature checks (stream objects, header blocks, async resources), so the hot path avoids them.
 *
 *   request frame:  u32 frame id ‖ u32 envelope length ‖ envelope        (big-endian)
 *   ack frame:      u32 frame id ‖ u8 code                              (0 = accepted, else `ACK_CODES`)
 *
 * Frame ids are the sender's, per stream; the receiver echoes them. Codes are wire values: never renumber.
 */
import type { DropReason } from './types.js'

export const STREAM_PATH = '/custos/peer/v1/stream'
export const ACK_ACCEPTED = 0
export const ACK_CODES: Readonly<Record<DropReason, number>> = {
  not_member: 1,
  attestation: 2,
  unauthorized: 3,
  wrong_sender: 4,
  bad_signature: 5,
  wrong_epoch: 6,
  wrong_recipient: 7,
  malformed: 8,
  oversize: 9,
  replayed: 10,
  backpressure: 11,
  session_closed: 12,
}
const BY_CODE = new Map<number, DropReason>(Object.entries(ACK_CODES).map(([r, c]) => [c, r as DropReason]))

/** The drop reason of an ack code; undefined for 0 (accepted) and for unknown codes. */
export const reasonOfCode = (code: number): DropReason | undefined => BY_CODE.get(code)

export function encodeFrame(id: number, envelope: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(8 + envelope.length)
  out.writeUInt32BE(id, 0)
  out.writeUInt32BE(envelope.length, 4)
  out.set(envelope, 8)
  return out
}

export function encodeAck(id: number, code: number): Buffer {
  const out = Buffer.allocUnsafe(5)
  out.writeUInt32BE(id, 0)
  out[4] = code
  return out
}

/** Bytes in arrival order, consumed from the front without re-copying what is still buffered. */
class ByteQueue {
  #chunks: Buffer[] = []
  length = 0

  push(b: Buffer): void {
    if (b.length === 0) return
    this.#chunks.push(b)
    this.length += b.length
  }

  /** The first `n` bytes (n ≤ length) without consuming them. */
  peek(n: number): Buffer {
    const first = this.#chunks[0]!
    if (first.length >= n) return first.subarray(0, n)
    const parts: Buffer[] = []
    for (let have = 0, i = 0; have < n; i++) {
      parts.push(this.#chunks[i]!)
      have += this.#chunks[i]!.length
    }
    return Buffer.concat(parts).subarray(0, n)
  }

  /** Remove and return the first `n` bytes (n ≤ length) as a fresh copy. */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let off = 0
    while (off < n) {
      const c = this.#chunks[0]!
      const k = Math.min(c.length, n - off)
      out.set(c.subarray(0, k), off)
      off += k
      this.drop(k)
    }
    return out
  }

  /** Discard up to `n` bytes from the front; returns how many were discarded. */
  drop(n: number): number {
    let left = Math.min(n, this.length)
    const done = left
    while (left > 0) {
      const c = this.#chunks[0]!
      if (c.length <= left) {
        this.#chunks.shift()
        left -= c.length
      } else {
        this.#chunks[0] = c.subarray(left)
        left = 0
      }
    }
    this.length -= done
    return done
  }
}

/**
 * Incremental reader of request frames. A frame longer than `max` is not buffered: its bytes are skipped and
 * `onFrame` gets `'oversize'` for it, so one bad frame does not break the stream.
 */
export class FrameReader {
  readonly #max: number
  readonly #onFrame: (id: number, body: Uint8Array | 'oversize') => void
  readonly #q = new ByteQueue()
  #skip = 0

  constructor(max: number, onFrame: (id: number, body: Uint8Array | 'oversize') => void) {
    this.#max = max
    this.#onFrame = onFrame
  }

  push(chunk: Buffer): void {
    this.#q.push(chunk)
    for (;;) {
      if (this.#skip > 0) this.#skip -= this.#q.drop(this.#skip)
      if (this.#skip > 0 || this.#q.length < 8) return
      const head = this.#q.peek(8)
      const id = head.readUInt32BE(0)
      const len = head.readUInt32BE(4)
      if (len > this.#max) {
        this.#q.drop(8)
        this.#skip = len
        this.#onFrame(id, 'oversize')
        continue
      }
      if (this.#q.length < 8 + len) return
      this.#q.drop(8)
      this.#onFrame(id, this.#q.take(len))
    }
  }
}

/** Incremental reader of ack frames. */
export class AckReader {
  readonly #onAck: (id: number, code: number) => void
  #buf: Buffer = Buffer.alloc(0)

  constructor(onAck: (id: number, code: number) => void) {
    this.#onAck = onAck
  }

  push(chunk: Buffer): void {
    let b = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk
    while (b.length >= 5) {
      this.#onAck(b.readUInt32BE(0), b[4]!)
      b = b.subarray(5)
    }
    this.#buf = b.length > 0 ? Buffer.from(b) : Buffer.alloc(0)
  }
}
