/**
 * The dstack RA-TLS extension value: the content wrapped in one DER OCTET STRING (yasna `write_bytes`), which the
 * X.509 extnValue OCTET STRING wraps again (dstack-kms.md §6.1 "double-wrapped").
 */

/** DER OCTET STRING around `content` (this is the extnValue content of an RA-TLS extension). */
export function encodeRaTlsExtensionValue(content: Uint8Array): Uint8Array {
  const n = content.length
  let len: number[]
  if (n < 0x80) len = [n]
  else if (n <= 0xff) len = [0x81, n]
  else if (n <= 0xffff) len = [0x82, n >> 8, n & 0xff]
  else if (n <= 0xffffff) len = [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
  else len = [0x84, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
  const out = new Uint8Array(1 + len.length + n)
  out[0] = 0x04
  out.set(len, 1)
  out.set(content, 1 + len.length)
  return out
}

/**
 * Unwrap the DER OCTET STRING of an RA-TLS extension value. Returns undefined unless the input is exactly one
 * definite-length, minimally encoded primitive OCTET STRING.
 */
export function decodeRaTlsExtensionValue(value: Uint8Array): Uint8Array | undefined {
  if (value.length < 2 || value[0] !== 0x04) return undefined
  const first = value[1]!
  let len: number
  let off: number
  if (first < 0x80) {
    len = first
    off = 2
  } else {
    const k = first & 0x7f
    if (k < 1 || k > 4 || value.length < 2 + k) return undefined
    len = 0
    for (let i = 0; i < k; i++) len = len * 256 + value[2 + i]!
    if (value[2] === 0 || len < 0x80) return undefined // not minimal
    off = 2 + k
  }
  if (off + len !== value.length) return undefined
  return value.subarray(off)
}
