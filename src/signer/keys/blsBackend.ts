import { createRequire } from 'node:module'
import type { Logger } from '../../log.js'
import { nobleBackend } from './blsNoble.js'

/**
 * BLS12-381 in the Ethereum ciphersuite `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (public keys: 48-byte
 * compressed G1, signatures: 96-byte compressed G2). A small interface so that a pure-JS backend
 * (@noble/curves, `blsNoble.ts`) stands in when the native `@chainsafe/blst` binding cannot load; which one is in
 * use, and why, is reported by `blsBackendStatus()` and logged at start.
 */
export interface BlsBackend {
  readonly name: 'blst' | 'noble'
  /** 32-byte big-endian secret key (0 < sk < r) → 48-byte compressed public key. Throws on an invalid key. */
  publicKey(secretKey: Uint8Array): Uint8Array
  /** Sign `message` (a 32-byte signing root for Ethereum) → 96-byte compressed signature. */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array
  /** Verify with public-key and signature subgroup checks; false (never a throw) on malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /** True if `publicKey` is a valid, non-infinity, in-subgroup compressed G1 point. */
  isValidPublicKey(publicKey: Uint8Array): boolean
}

export interface BlsBackendStatus {
  backend: 'blst' | 'noble' | 'none'
  /** Why the preferred backend was not used (empty when blst loaded). */
  reason?: string
}

type BlstModule = typeof import('@chainsafe/blst')

function blstBackend(blst: BlstModule): BlsBackend {
  return {
    name: 'blst',
    publicKey: (sk) => blst.SecretKey.fromBytes(sk).toPublicKey().toBytes(true),
    sign: (sk, msg) => blst.SecretKey.fromBytes(sk).sign(msg).toBytes(true),
    verify(pk, msg, sig) {
      try {
        return blst.verify(msg, blst.PublicKey.fromBytes(pk, true), blst.Signature.fromBytes(sig, true), true, true)
      } catch {
        return false
      }
    },
    isValidPublicKey(pk) {
      if (pk.length !== 48) return false
      try {
        blst.PublicKey.fromBytes(pk, true)
        return true
      } catch {
        return false
      }
    },
  }
}

let cached: { backend: BlsBackend | undefined; status: BlsBackendStatus } | undefined

function load(): { backend: BlsBackend | undefined; status: BlsBackendStatus } {
  if (cached) return cached
  try {
    // createRequire keeps loading synchronous and lets a missing native binding be caught here.
    const blst = createRequire(import.meta.url)('@chainsafe/blst') as BlstModule
    cached = { backend: blstBackend(blst), status: { backend: 'blst' } }
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err)
    cached = {
      backend: nobleBackend(),
      status: {
        backend: 'noble',
        reason: `@chainsafe/blst failed to load (${reason}); using the slower @noble/curves`,
      },
    }
  }
  return cached
}

/** Which BLS backend is in use (call at start-up and log it). */
export function blsBackendStatus(): BlsBackendStatus {
  return { ...load().status }
}

/**
 * The process-wide BLS backend: blst, or noble when blst cannot load. Logs which one when a logger is given.
 */
export function getBls(logger?: Logger): BlsBackend {
  const { backend, status } = load()
  if (logger) {
    if (status.backend === 'blst') logger.info({ backend: status.backend }, 'bls backend loaded')
    else logger.warn({ backend: status.backend, reason: status.reason }, 'bls fallback backend in use')
  }
  if (!backend) throw new Error(status.reason ?? 'no BLS backend available')
  return backend
}
