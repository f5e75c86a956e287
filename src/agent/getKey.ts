import {
  type GuestKey,
  type GuestKeyAlgorithm,
  getGuestKey,
  normalizeGuestKeyAlgorithm,
  toHex,
} from '../crypto/index.js'
import { AgentError } from './errors.js'
import type { GuestContext } from './guestContext.js'
import { GetKeyArgs, parseArgs } from './guestInput.js'

export interface GetKeyReply {
  /** 32 bytes hex: secp256k1 scalar or ed25519 seed */
  key: string
  /** [app k256 signature over purpose:hex(pubkey), KMS k256_signature] */
  signature_chain: [string, string]
}

/** dstack algorithm check: "", secp256k1, k256, ed25519; anything else is a 400. */
export function guestKeyAlgorithm(algorithm: string): 'secp256k1' | 'ed25519' {
  try {
    return normalizeGuestKeyAlgorithm(algorithm)
  } catch {
    throw new AgentError('AGENT_UNSUPPORTED_ALGORITHM', 'Unsupported algorithm (use secp256k1, k256 or ed25519)')
  }
}

/** This app's guest key for (path, purpose, algorithm), with its signature chain back to the KMS root key. */
export function appGuestKey(ctx: GuestContext, path: string, purpose: string, algorithm: GuestKeyAlgorithm): GuestKey {
  const keys = ctx.keys()
  return getGuestKey({ appK256Key: keys.k256Key.expose(), k256Signature: keys.k256Signature, path, purpose, algorithm })
}

/** `/GetKey` (dstack rpc_service.rs get_key): HKDF of the app k256 key over the path; chain back to the KMS root. */
export function handleGetKey(ctx: GuestContext, input: unknown): GetKeyReply {
  const args = parseArgs(GetKeyArgs, input)
  const r = appGuestKey(ctx, args.path, args.purpose, guestKeyAlgorithm(args.algorithm))
  return { key: toHex(r.key), signature_chain: [toHex(r.signatureChain[0]), toHex(r.signatureChain[1])] }
}
