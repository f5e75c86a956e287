/**
 * Just enough DER (X.690) to read and write P-256 PKCS#8 / SPKI structures. Strict: definite, minimal
 * lengths only, every read bounded by its parent. Callers turn `DerError` into their own typed error.
 */
export class DerError extends Error {
  override name = 'DerError'
}

export interface Tlv {
  tag: number
  /** the value bytes (a view into the input) */
  value: Uint8Array
  /** offset just past this element in the parent */
  end: number
}

/** Read one TLV at `offset` of `buf` (single-byte tags only, which is all PKCS#8/SPKI use). */
export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new DerError('truncated DER header')
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported')
  let len = buf[offset + 1] as number
  let pos = offset + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 3) throw new DerError('unsupported DER length form')
    if (pos + n > buf.length) throw new DerError('truncated DER length')
    if (buf[pos] === 0) throw new DerError('non-minimal DER length')
    len = 0
    for (let i = 0; i < n; i++) len = (len << 8) | (buf[pos + i] as number)
    if (len < 0x80) throw new DerError('non-minimal DER length')
    pos += n
  }
  if (pos + len > buf.length) throw new DerError('DER value runs past its container')
  return { tag, value: buf.subarray(pos, pos + len), end: pos + len }
}

/** Read every child TLV of a constructed value. */
export function readChildren(value: Uint8Array): Tlv[] {
  const out: Tlv[] = []
  let off = 0
  while (off < value.length) {
    const t = readTlv(value, off)
    out.push(t)
    off = t.end
  }
  return out
}

/** Read exactly one TLV spanning all of `buf`, with the expected tag. */
export function readWhole(buf: Uint8Array, tag: number): Tlv {
  const t = readTlv(buf, 0)
  if (t.tag !== tag) throw new DerError(`expected DER tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`)
  if (t.end !== buf.length) throw new DerError('trailing bytes after DER element')
  return t
}

/** Encode one TLV (definite, minimal length). */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const n = value.length
  const head =
    n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : n < 0x10000 ? [tag, 0x82, n >> 8, n & 0xff] : undefined
  if (!head) throw new DerError('DER value too long')
  const out = new Uint8Array(head.length + n)
  out.set(head)
  out.set(value, head.length)
  return out
}

export const bytesEq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])
