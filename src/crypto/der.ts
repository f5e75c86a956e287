/**
 * A minimal strict DER reader (definite lengths only) for the few X.509/CRL fields Custos reads on hot paths
 * (RA-TLS peer certificates on every new connection, DCAP PCK chains and CRLs).
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
  const parts: number[] = []
  let v = 0
  for (let i = t.body; i < t.end; i++) {
    const x = b[i] as number
    v = v * 128 + (x & 0x7f)
    if ((x & 0x80) === 0) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80)
      else parts.push(v)
      v = 0
    }
  }
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
