import type { webcrypto } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import type { SecretBytes } from '../../crypto/index.js'

type CryptoKey = webcrypto.CryptoKey

/** P-256 helpers bridging noble scalars (how Custos stores keys) and WebCrypto (what @peculiar/x509 signs with). */

const ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url')

/** 65-byte uncompressed SEC1 public key of a 32-byte scalar. */
export function p256PublicKey(priv: SecretBytes): Uint8Array {
  return p256.getPublicKey(priv.expose(), false)
}

/** 64-byte x‖y (the form DCAP quotes carry). */
export function p256RawXY(priv: SecretBytes): Uint8Array {
  return p256PublicKey(priv).subarray(1)
}

export async function importSigningKey(priv: SecretBytes): Promise<CryptoKey> {
  const pub = p256PublicKey(priv)
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    d: b64u(priv.expose()),
    x: b64u(pub.subarray(1, 33)),
    y: b64u(pub.subarray(33)),
  }
  return globalThis.crypto.subtle.importKey('jwk', jwk, ALG, false, ['sign'])
}

export async function importVerifyKey(pub65: Uint8Array): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', pub65, ALG, true, ['verify'])
}

/** ECDSA-P256-SHA256, raw 64-byte r‖s (deterministic RFC 6979). */
export function signRaw(priv: SecretBytes, msg: Uint8Array): Uint8Array {
  return p256.sign(msg, priv.expose(), { prehash: true, lowS: false })
}

/** Verify raw r‖s over sha256(msg); `pub` is 64-byte x‖y or 65-byte SEC1. High-S accepted (Intel QE emits it). */
export function verifyRaw(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  const key = pub.length === 64 ? Uint8Array.from([4, ...pub]) : pub
  try {
    return p256.verify(sig, msg, key, { prehash: true, lowS: false })
  } catch {
    return false
  }
}
