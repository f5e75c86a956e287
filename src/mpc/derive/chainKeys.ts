/**
 * Everything a client needs for a (root, predecessor, path): the tweak, the derived key in its encodings,
 * the NEAR key string and the chain addresses that apply to the scheme. Pure; `custos mpc derive` prints it.
 *
 * Which signatures spend what: the EVM and P2WPKH addresses of a secp256k1 key need ECDSA signatures — what
 * NEAR's secp256k1 domains produce, which is why chainsig.js derives them. A FROST committee signs Schnorr:
 * a `Secp256k1Frost` signature spends neither; a `Bip340` key spends its P2TR output (key path).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { MpcError } from '../errors.js'
import { suiteFor } from '../suites.js'
import type { SchemeId } from '../types.js'
import { evmAddress, p2trAddress, p2wpkhAddress, solanaAddress } from './addresses.js'
import { deriveKeyPoint, tweakScalar } from './deriveKey.js'
import { formatNearPublicKey, parseNearPublicKey } from './nearKey.js'
import { deriveTweak } from './tweak.js'

export type DerivedChainKeys =
  | {
      scheme: 'Ed25519'
      tweak: Uint8Array
      /** 32-byte compressed Edwards point */
      publicKey: Uint8Array
      nearPublicKey: string
      solanaAddress: string
    }
  | {
      scheme: 'Secp256k1Frost'
      tweak: Uint8Array
      /** 65 bytes, 0x04 ‖ X ‖ Y */
      uncompressed: Uint8Array
      /** 33 bytes, 0x02/0x03 ‖ X */
      compressed: Uint8Array
      nearPublicKey: string
      evmAddress: `0x${string}`
      bitcoinP2wpkh: { mainnet: string; testnet: string }
    }
  | {
      scheme: 'Bip340'
      tweak: Uint8Array
      /** 32-byte BIP-340 public key */
      xOnly: Uint8Array
      bitcoinP2tr: { mainnet: string; testnet: string }
    }

/**
 * A root public key given as a NEAR key string or hex (optional 0x): `ed25519:…` / 32 bytes → Ed25519;
 * `secp256k1:…` / 64 bytes X‖Y / 65 bytes 04‖X‖Y / 33 bytes compressed → Secp256k1Frost; with
 * `scheme = 'Bip340'` a secp256k1 key or a 32-byte x-only key. Returns the key in the scheme's FROST
 * encoding (32-byte Ed25519, 33-byte compressed secp256k1). Throws MPC_BAD_PUBLIC_KEY / MPC_UNKNOWN_SCHEME.
 */
export function parseRootKey(text: string, scheme?: SchemeId): { scheme: SchemeId; publicKey: Uint8Array } {
  if (scheme !== undefined) suiteFor(scheme)
  let raw: Uint8Array
  let curve: 'ed25519' | 'secp256k1' | undefined
  if (/^(ed25519|secp256k1):/.test(text)) {
    const k = parseNearPublicKey(text)
    curve = k.curve
    raw = k.curve === 'secp256k1' ? Uint8Array.of(4, ...k.bytes) : k.bytes
  } else {
    const h = text.replace(/^0x/i, '')
    if (!/^([0-9a-fA-F]{2})+$/.test(h))
      throw new MpcError(
        'MPC_BAD_PUBLIC_KEY',
        'the root key must be a NEAR key string (ed25519:… / secp256k1:…) or hex',
      )
    raw = hexToBytes(h)
    if (raw.length === 64) raw = Uint8Array.of(4, ...raw)
    curve = raw.length === 32 ? (scheme === 'Bip340' ? 'secp256k1' : 'ed25519') : 'secp256k1'
  }
  const s: SchemeId = scheme ?? (curve === 'ed25519' ? 'Ed25519' : 'Secp256k1Frost')
  if ((s === 'Ed25519') !== (curve === 'ed25519'))
    throw new MpcError('MPC_BAD_PUBLIC_KEY', `a ${curve} root key cannot be used with scheme ${s}`, { scheme: s })
  const suite = suiteFor(s)
  return { scheme: s, publicKey: suite.encodePoint(suite.decodePoint(raw, 'root public key')) }
}

/** Tweak, derived key and addresses for a root key (FROST encoding of its scheme), predecessor and path. */
export function deriveChainKeys(
  scheme: SchemeId,
  rootPublicKey: Uint8Array,
  predecessor: string,
  path: string,
): DerivedChainKeys {
  const suite = suiteFor(scheme)
  const tweak = deriveTweak(predecessor, path)
  const point = deriveKeyPoint(scheme, suite.decodePoint(rootPublicKey, 'root public key'), tweakScalar(scheme, tweak))
  if (scheme === 'Ed25519') {
    const publicKey = point.toBytes()
    return {
      scheme,
      tweak,
      publicKey,
      nearPublicKey: formatNearPublicKey('ed25519', publicKey),
      solanaAddress: solanaAddress(publicKey),
    }
  }
  const compressed = point.toBytes(true)
  if (scheme === 'Bip340') {
    const xOnly = compressed.slice(1)
    return {
      scheme,
      tweak,
      xOnly,
      bitcoinP2tr: { mainnet: p2trAddress(xOnly, 'mainnet'), testnet: p2trAddress(xOnly, 'testnet') },
    }
  }
  const uncompressed = point.toBytes(false)
  return {
    scheme,
    tweak,
    uncompressed,
    compressed,
    nearPublicKey: formatNearPublicKey('secp256k1', uncompressed),
    evmAddress: evmAddress(uncompressed),
    bitcoinP2wpkh: { mainnet: p2wpkhAddress(compressed, 'mainnet'), testnet: p2wpkhAddress(compressed, 'testnet') },
  }
}

/** The JSON form `custos mpc derive --json` prints (hex lowercase, no 0x; snake_case keys). */
export function chainKeysToJson(k: DerivedChainKeys): Record<string, unknown> {
  const tweak = bytesToHex(k.tweak)
  switch (k.scheme) {
    case 'Ed25519':
      return {
        scheme: k.scheme,
        tweak,
        public_key: bytesToHex(k.publicKey),
        near_public_key: k.nearPublicKey,
        solana_address: k.solanaAddress,
      }
    case 'Secp256k1Frost':
      return {
        scheme: k.scheme,
        tweak,
        public_key_uncompressed: bytesToHex(k.uncompressed),
        public_key_compressed: bytesToHex(k.compressed),
        near_public_key: k.nearPublicKey,
        evm_address: k.evmAddress,
        bitcoin_p2wpkh: k.bitcoinP2wpkh,
      }
    case 'Bip340':
      return { scheme: k.scheme, tweak, public_key_x_only: bytesToHex(k.xOnly), bitcoin_p2tr: k.bitcoinP2tr }
  }
}
