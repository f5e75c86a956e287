import { concatBytes, utf8ToBytes } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'

/**
 * Minimal DER (X.690) writer/reader for the two small extensions the simulated PCK certificate carries
 * (the Intel SGX extension and the simulated TCB verdict). Definite lengths only.
 */

export const TAG = { INTEGER: 0x02, OCTET_STRING: 0x04, OID: 0x06, ENUMERATED: 0x0a, UTF8: 0x0c, SEQUENCE: 0x30 }

function len(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const out: number[] = []
  for (let x = n; x > 0; x = Math.floor(x / 256)) out.unshift(x & 0xff)
  return Uint8Array.from([0x80 | out.length, ...out])
}

export const tlv = (tag: number, body: Uint8Array): Uint8Array =>
  concatBytes(Uint8Array.of(tag), len(body.length), body)
export const seq = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, concatBytes(...items))
export const octets = (b: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, b)
export const utf8 = (s: string): Uint8Array => tlv(TAG.UTF8, utf8ToBytes(s))

function uintBody(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`DER integer out of range: ${n}`)
  const out: number[] = []
  for (let x = n; x > 0; x = Math.floor(x / 256)) out.unshift(x & 0xff)
  if (out.length === 0 || (out[0] as number) & 0x80) out.unshift(0)
  return Uint8Array.from(out)
}
export const uint = (n: number): Uint8Array => tlv(TAG.INTEGER, uintBody(n))
export const enumerated = (n: number): Uint8Array => tlv(TAG.ENUMERATED, uintBody(n))

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map((p) => BigInt(p))
  if (parts.length < 2) throw new RangeError(`bad OID ${dotted}`)
  const arcs = [(parts[0] as bigint) * 40n + (parts[1] as bigint), ...parts.slice(2)]
  const out: number[] = []
  for (const a of arcs) {
    const b: number[] = [Number(a & 0x7fn)]
    for (let x = a >> 7n; x > 0n; x >>= 7n) b.unshift(Number(x & 0x7fn) | 0x80)
    out.push(...b)
  }
  return tlv(TAG.OID, Uint8Array.from(out))
}

export function oidToString(body: Uint8Array): string {
  const arcs: bigint[] = []
  let v = 0n
  for (const byte of body) {
    v = (v << 7n) | BigInt(byte & 0x7f)
    if (!(byte & 0x80)) {
      arcs.push(v)
      v = 0n
    }
  }
  const first = arcs.shift() ?? 0n
  const a = first < 80n ? first / 40n : 2n
  return [a, first - a * 40n, ...arcs].join('.')
}

export interface Tlv {
  tag: number
  body: Uint8Array
  /** the whole TLV (header + body) */
  raw: Uint8Array
}

/** Split a DER byte string into consecutive TLVs (strict: lengths must fit). */
export function readTlvs(b: Uint8Array, what: string): Tlv[] {
  const out: Tlv[] = []
  let i = 0
  const bad = (why: string): never => {
    throw new AttestationError('ATTESTATION_MALFORMED', `${what}: ${why} at byte ${i}`, { offset: i })
  }
  while (i < b.length) {
    const start = i
    const tag = b[i++] as number
    if (i >= b.length) bad('truncated length')
    let n = b[i++] as number
    if (n & 0x80) {
      const k = n & 0x7f
      if (k === 0 || k > 4 || i + k > b.length) bad('bad length')
      n = 0
      for (let j = 0; j < k; j++) n = n * 256 + (b[i++] as number)
    }
    if (i + n > b.length) bad('value overruns input')
    out.push({ tag, body: b.subarray(i, i + n), raw: b.subarray(start, i + n) })
    i += n
  }
  return out
}

export function readUint(body: Uint8Array): number {
  let v = 0
  for (const x of body) v = v * 256 + x
  return v
}

export function readUtf8(body: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(body)
}
