/**
 * Chain addresses of derived keys, as chainsig.js computes them (near-mpc.md §2.6, §7.5):
 * EVM = EIP-55 of the last 20 bytes of keccak256(X ‖ Y); Bitcoin P2WPKH = bech32 v0 of
 * RIPEMD160(SHA256(SEC1-compressed)); Solana = base58 of the 32-byte Ed25519 key. Also Bitcoin P2TR
 * (bech32m v1 of the x-only key) for BIP-340 keys used directly as Taproot output keys.
 */
import { ripemd160 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { getAddress } from 'viem'
import { MpcError } from '../errors.js'
import { base58Encode } from './base58.js'
import { encodeSegwitAddress } from './bech32.js'

export type BitcoinNetwork = 'mainnet' | 'testnet' | 'regtest'
export const BITCOIN_HRP: Record<BitcoinNetwork, string> = { mainnet: 'bc', testnet: 'tb', regtest: 'bcrt' }

const expect = (b: Uint8Array, len: number, field: string, first?: number[]) => {
  if (!(b instanceof Uint8Array) || b.length !== len || (first && !first.includes(b[0] as number)))
    throw new MpcError('MPC_BAD_INPUT', `${field} must be ${len} bytes`, { field, length: b?.length ?? 0 })
}

/** EIP-55 address of a 65-byte uncompressed (0x04 ‖ X ‖ Y) secp256k1 key. */
export function evmAddress(uncompressed: Uint8Array): `0x${string}` {
  expect(uncompressed, 65, 'uncompressed secp256k1 key', [4])
  return getAddress(`0x${bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))}`)
}

/** Bitcoin P2WPKH address of a 33-byte compressed secp256k1 key. */
export function p2wpkhAddress(compressed: Uint8Array, network: BitcoinNetwork = 'mainnet'): string {
  expect(compressed, 33, 'compressed secp256k1 key', [2, 3])
  return encodeSegwitAddress(BITCOIN_HRP[network], 0, ripemd160(sha256(compressed)))
}

/** Bitcoin P2TR address with this 32-byte x-only key as the output key (no further TapTweak). */
export function p2trAddress(xOnly: Uint8Array, network: BitcoinNetwork = 'mainnet'): string {
  expect(xOnly, 32, 'x-only key')
  return encodeSegwitAddress(BITCOIN_HRP[network], 1, xOnly)
}

/** Solana address: base58 of the 32-byte Ed25519 key. */
export function solanaAddress(ed25519Key: Uint8Array): string {
  expect(ed25519Key, 32, 'Ed25519 key')
  return base58Encode(ed25519Key)
}
