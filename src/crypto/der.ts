/**
 * The one strict DER reader (definite lengths only) of Custos, for the X.509/CRL/PKCS#8 fields it reads on hot
 * paths (RA-TLS peer certificates on every new connection, DCAP PCK chains and CRLs, Nitro chains, P-256 keys),
 * and the TLV writer of the P-256 key encodings.
 * Hand-rolled because generic ASN.1 libraries cost milliseconds per certificate; this costs microseconds.
 * Every read is bounds-checked; malformed input throws `DerError`.
 */
export class DerError extends Error {}

export interface Tlv {
  tag: number
  /** offset of the tag byte */
  start: number
  /** offset of the first content byte */
  body: number
  /** offset just past the content */
  end: number
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const

/** Read one TLV at `off`, staying within `limit`. */
export function readTlv(b: Uint8Array, off: number, limit = b.length): Tlv {
  if (off + 2 > limit) throw new DerError(`truncated TLV at ${off}`)
  const tag = b[off] as number
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at ${off}`)
  let len = b[off + 1] as number
  let body = off + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 3) throw new DerError(`unsupported length form at ${off}`)
    if (body + n > limit) throw new DerError(`truncated length at ${off}`)
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (b[body + i] as number)
    if (len < 0x80 || (n > 1 && (b[body] as number) === 0)) throw new DerError(`non-minimal length at ${off}`)
    body += n
  }
  const end = body + len
  if (end > limit) throw new DerError(`TLV at ${off} overruns its container`)
  return { tag, start: off, body, end }
}

/** Children of a constructed TLV (SEQUENCE, SET, [n] EXPLICIT). */
export function children(b: Uint8Array, t: Tlv): Tlv[] {
  if ((t.tag & 0x20) === 0) throw new DerError(`TLV at ${t.start} is not constructed`)
  const out: Tlv[] = []
  let off = t.body
  while (off < t.end) {
    const c = readTlv(b, off, t.end)
    out.push(c)
    off = c.end
  }
  return out
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag)
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got ${t ? `0x${t.tag.toString(16)}` : 'nothing'}`)
  return t
}

/** Parse a whole buffer as exactly one TLV. */
export function readTop(b: Uint8Array): Tlv {
  const t = readTlv(b, 0)
  if (t.end !== b.length) throw new DerError(`${b.length - t.end} trailing bytes after DER value`)
  return t
}

export const content = (b: Uint8Array, t: Tlv): Uint8Array => b.subarray(t.body, t.end)
export const whole = (b: Uint8Array, t: Tlv): Uint8Array => b.subarray(t.start, t.end)

/** Dotted OID string. */
export function oidOf(b: Uint8Array, t: Tlv): string {
  expectTag(t, TAG.OID, 'OID')
  if (t.end === t.body) throw new DerError('empty OID')
  // arcs are unbounded (e.g. 2.25.<128-bit UUID>), so they are read as bigints
  const parts: bigint[] = []
  let v = 0n
  let start = true
  for (let i = t.body; i < t.end; i++) {
    const x = b[i] as number
    if (start && x === 0x80) throw new DerError('non-minimal OID arc')
    v = (v << 7n) | BigInt(x & 0x7f)
    start = (x & 0x80) === 0
    if (start) {
      if (parts.length === 0) parts.push(v < 80n ? v / 40n : 2n, v < 80n ? v % 40n : v - 80n)
      else parts.push(v)
      v = 0n
    }
  }
  if (!start) throw new DerError('truncated OID arc')
  return parts.join('.')
}

/** Non-negative INTEGER/ENUMERATED ≤ 2^48 as a number. */
export function smallIntOf(b: Uint8Array, t: Tlv): number {
  if (t.tag !== TAG.INTEGER && t.tag !== TAG.ENUMERATED) throw new DerError('expected INTEGER')
  const c = content(b, t)
  if (c.length === 0 || c.length > 7 || ((c[0] as number) & 0x80) !== 0) throw new DerError('INTEGER out of range')
  let v = 0
  for (const x of c) v = v * 256 + x
  return v
}

/** INTEGER as lower-case hex without leading zeros (serial numbers). */
export function serialHexOf(b: Uint8Array, t: Tlv): string {
  expectTag(t, TAG.INTEGER, 'serial')
  const s = Buffer.from(content(b, t)).toString('hex').replace(/^0+/, '')
  return s === '' ? '0' : s
}

/** UTCTime / GeneralizedTime ("…Z") → unix seconds. */
export function timeOf(b: Uint8Array, t: Tlv): number {
  const s = Buffer.from(content(b, t)).toString('latin1')
  const re =
    t.tag === TAG.UTC_TIME ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/ : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/
  const m = t.tag === TAG.UTC_TIME || t.tag === TAG.GENERALIZED_TIME ? s.match(re) : null
  if (m) {
    let year = Number(m[1])
    if (t.tag === TAG.UTC_TIME) year += year >= 50 ? 1900 : 2000
    return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000
  }
  throw new DerError(`bad time "${s}"`)
}

/** BIT STRING with 0 unused bits → its bytes. */
export function bitStringOf(b: Uint8Array, t: Tlv): Uint8Array {
  expectTag(t, TAG.BIT_STRING, 'BIT STRING')
  if (t.end <= t.body || b[t.body] !== 0) throw new DerError('BIT STRING with unused bits')
  return b.subarray(t.body + 1, t.end)
}

/** Encode one TLV: single-byte `tag`, definite minimal length (values up to 64 KiB, all Custos writes). */
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
