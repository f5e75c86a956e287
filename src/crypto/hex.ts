import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

/** Lowercase hex, no 0x (the prpc / dstack convention). */
export const toHex = (b: Uint8Array): string => bytesToHex(b)

/** Accepts an optional 0x prefix; throws on odd length or non-hex characters. */
export function fromHex(s: string): Uint8Array {
  const h = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError('expected an even-length hex string')
  return hexToBytes(h)
}

export const isHex = (s: string): boolean => /^(0x)?([0-9a-fA-F]{2})*$/.test(s)
