/**
 * Base58 with the Bitcoin alphabet (NEAR key strings, Solana addresses). No checksum. Written here because
 * `@scure/base` is only a transitive dependency of this project (via viem / ethereum-cryptography).
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]))

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n /= 58n
  }
  return '1'.repeat(zeros) + out
}

/** Decodes base58; throws TypeError on a character outside the alphabet. */
export function base58Decode(text: string): Uint8Array {
  let zeros = 0
  while (zeros < text.length && text[zeros] === '1') zeros++
  let n = 0n
  for (const c of text) {
    const v = INDEX.get(c)
    if (v === undefined) throw new TypeError('invalid base58 character')
    n = n * 58n + v
  }
  const body: number[] = []
  while (n > 0n) {
    body.push(Number(n & 0xffn))
    n >>= 8n
  }
  const out = new Uint8Array(zeros + body.length)
  for (let i = 0; i < body.length; i++) out[out.length - 1 - i] = body[i] as number
  return out
}
