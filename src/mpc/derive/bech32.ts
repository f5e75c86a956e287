/**
 * Bech32 (BIP-173) and bech32m (BIP-350) segwit addresses: P2WPKH (v0, bech32) and P2TR (v1, bech32m).
 * Written here because `@scure/base` is only a transitive dependency of this project. Tested against the
 * BIP-173 / BIP-350 vectors in bech32.test.ts.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
const BECH32_CONST = 1
const BECH32M_CONST = 0x2bc830a3

export type Bech32Variant = 'bech32' | 'bech32m'
const constOf = (v: Bech32Variant) => (v === 'bech32' ? BECH32_CONST : BECH32M_CONST)

function polymod(values: readonly number[]): number {
  let chk = 1
  for (const v of values) {
    const top = chk >>> 25
    chk = ((chk & 0x1ffffff) << 5) ^ v
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i] as number
  }
  return chk >>> 0
}

const hrpExpand = (hrp: string): number[] => [
  ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
  0,
  ...[...hrp].map((c) => c.charCodeAt(0) & 31),
]

/** Regroup bits (8 → 5 with padding, 5 → 8 without); null when the input is not valid for `pad = false`. */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | null {
  let acc = 0
  let bits = 0
  const out: number[] = []
  const maxv = (1 << to) - 1
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number
    if (v < 0 || v >> from !== 0) return null
    acc = (acc << from) | v
    bits += from
    while (bits >= to) {
      bits -= to
      out.push((acc >> bits) & maxv)
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv)
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) return null
  return out
}

/** A bech32/bech32m string from a lowercase hrp and 5-bit words. */
export function bech32Encode(hrp: string, words: readonly number[], variant: Bech32Variant): string {
  const values = [...hrpExpand(hrp), ...words]
  const mod = polymod([...values, 0, 0, 0, 0, 0, 0]) ^ constOf(variant)
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31)
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`
}

/** hrp, 5-bit words and variant of a bech32/bech32m string; null when it is not valid (BIP-173 rules). */
export function bech32Decode(text: string): { hrp: string; words: number[]; variant: Bech32Variant } | null {
  if (text.length > 90 || (text !== text.toLowerCase() && text !== text.toUpperCase())) return null
  const s = text.toLowerCase()
  const pos = s.lastIndexOf('1')
  if (pos < 1 || pos + 7 > s.length) return null
  const hrp = s.slice(0, pos)
  if ([...hrp].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126)) return null
  const data: number[] = []
  for (const c of s.slice(pos + 1)) {
    const v = CHARSET.indexOf(c)
    if (v < 0) return null
    data.push(v)
  }
  const check = polymod([...hrpExpand(hrp), ...data])
  const variant = check === BECH32_CONST ? 'bech32' : check === BECH32M_CONST ? 'bech32m' : null
  if (!variant) return null
  return { hrp, words: data.slice(0, -6), variant }
}

/** A segwit address: witness v0 uses bech32, v1..16 bech32m (BIP-350). */
export function encodeSegwitAddress(hrp: string, version: number, program: Uint8Array): string {
  if (!Number.isInteger(version) || version < 0 || version > 16) throw new RangeError('witness version must be 0..16')
  if (program.length < 2 || program.length > 40) throw new RangeError('witness program must be 2..40 bytes')
  const words = convertBits(program, 8, 5, true) as number[]
  return bech32Encode(hrp, [version, ...words], version === 0 ? 'bech32' : 'bech32m')
}

/** Witness version and program of a segwit address for `hrp`; null when invalid (BIP-173/BIP-350 rules). */
export function decodeSegwitAddress(hrp: string, address: string): { version: number; program: Uint8Array } | null {
  const d = bech32Decode(address)
  if (!d || d.hrp !== hrp || d.words.length < 1) return null
  const version = d.words[0] as number
  if (version > 16 || d.variant !== (version === 0 ? 'bech32' : 'bech32m')) return null
  const program = convertBits(d.words.slice(1), 5, 8, false)
  if (!program || program.length < 2 || program.length > 40) return null
  if (version === 0 && program.length !== 20 && program.length !== 32) return null
  return { version, program: Uint8Array.from(program) }
}
