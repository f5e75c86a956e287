/**
 * Minimal strict DER (X.690) reader: one TLV at a time, single-byte tags, definite minimal lengths. Enough to walk
 * an X.509 certificate; callers turn the thrown RangeError into their own error.
 */

export interface Tlv {
  tag: number
  /** offset of the tag byte */
  start: number
  /** offset of the first content byte */
  contentStart: number
  /** offset just past the content */
  end: number
}

export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new RangeError(`DER: truncated element at ${offset}`)
  const tag = bytes[offset] as number
  if ((tag & 0x1f) === 0x1f) throw new RangeError(`DER: multi-byte tag at ${offset}`)
  const first = bytes[offset + 1] as number
  let len = first
  let p = offset + 2
  if (first & 0x80) {
    const n = first & 0x7f
    if (n === 0 || n > 4) throw new RangeError(`DER: bad length form at ${offset}`)
    if (p + n > limit) throw new RangeError(`DER: truncated length at ${offset}`)
    if (bytes[p] === 0) throw new RangeError(`DER: non-minimal length at ${offset}`)
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (bytes[p + i] as number)
    if (len < 0x80) throw new RangeError(`DER: non-minimal length at ${offset}`)
    p += n
  }
  if (p + len > limit) throw new RangeError(`DER: element at ${offset} runs past its container`)
  return { tag, start: offset, contentStart: p, end: p + len }
}

/** The children of a constructed element, in order. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  let p = parent.contentStart
  while (p < parent.end) {
    const t = readTlv(bytes, p, parent.end)
    out.push(t)
    p = t.end
  }
  return out
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new RangeError(`DER: expected ${what}`)
  return t
}

export const content = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.contentStart, t.end)
export const whole = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.start, t.end)
