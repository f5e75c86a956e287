/**
 * NEAR public key strings ("NAJ" keys, near-mpc.md §1.2, §7.4): `ed25519:` + base58(32-byte point) and
 * `secp256k1:` + base58(64 bytes X ‖ Y, no 0x04 prefix). Bitcoin base58 alphabet.
 */
import { MpcError } from '../errors.js'
import { base58Decode, base58Encode } from './base58.js'

export type NearCurve = 'ed25519' | 'secp256k1'
const LENGTH: Record<NearCurve, number> = { ed25519: 32, secp256k1: 64 }

/** Curve and raw bytes of a NEAR key string; throws MPC_BAD_PUBLIC_KEY when malformed. */
export function parseNearPublicKey(text: string): { curve: NearCurve; bytes: Uint8Array } {
  const m = /^(ed25519|secp256k1):([1-9A-HJ-NP-Za-km-z]+)$/.exec(typeof text === 'string' ? text : '')
  if (!m)
    throw new MpcError('MPC_BAD_PUBLIC_KEY', 'expected a NEAR key string "ed25519:<base58>" or "secp256k1:<base58>"')
  const curve = m[1] as NearCurve
  const bytes = base58Decode(m[2] as string)
  if (bytes.length !== LENGTH[curve])
    throw new MpcError('MPC_BAD_PUBLIC_KEY', `a ${curve} NEAR key carries ${LENGTH[curve]} bytes`, {
      expected: LENGTH[curve],
      length: bytes.length,
    })
  return { curve, bytes }
}

/** `ed25519:` + base58(32) or `secp256k1:` + base58(64 = X ‖ Y; a 65-byte 0x04 SEC1 key loses its prefix). */
export function formatNearPublicKey(curve: NearCurve, bytes: Uint8Array): string {
  const raw = curve === 'secp256k1' && bytes.length === 65 && bytes[0] === 4 ? bytes.subarray(1) : bytes
  if (raw.length !== LENGTH[curve])
    throw new MpcError('MPC_BAD_INPUT', `a ${curve} NEAR key carries ${LENGTH[curve]} bytes`, { length: raw.length })
  return `${curve}:${base58Encode(raw)}`
}
