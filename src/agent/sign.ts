import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../crypto/index.js'
import { AgentError } from './errors.js'
import { appGuestKey } from './getKey.js'
import type { GuestContext } from './guestContext.js'
import { parseArgs, SignArgs, VerifyArgs } from './guestInput.js'

type SignAlgorithm = 'ed25519' | 'secp256k1' | 'secp256k1_prehashed'

function signAlgorithm(a: string): SignAlgorithm {
  const n = a === 'k256' ? 'secp256k1' : a
  if (n === 'ed25519' || n === 'secp256k1' || n === 'secp256k1_prehashed') return n
  throw new AgentError(
    'AGENT_UNSUPPORTED_ALGORITHM',
    'Unsupported algorithm (use ed25519, secp256k1 or secp256k1_prehashed)',
  )
}

const prehashed = (alg: SignAlgorithm, data: Uint8Array): Uint8Array => {
  if (alg === 'secp256k1') return sha256(data)
  if (data.length !== 32)
    throw new AgentError(
      'AGENT_BAD_INPUT',
      `Pre-hashed signing requires a 32-byte digest, but received ${data.length} bytes`,
    )
  return data
}

export interface SignReply {
  signature: string
  /** [signature, GetKey("vms","signing") chain[0], KMS k256_signature] */
  signature_chain: [string, string, string]
  public_key: string
}

/**
 * `/Sign` (dstack rpc_service.rs sign): key = GetKey(path "vms", purpose "signing"); ed25519 signs the data;
 * secp256k1 is ECDSA over SHA-256(data) (64 bytes r‖s, low-S, RFC 6979); secp256k1_prehashed signs a 32-byte digest.
 */
export function handleSign(ctx: GuestContext, input: unknown): SignReply {
  const a = parseArgs(SignArgs, input)
  const alg = signAlgorithm(a.algorithm)
  const k = appGuestKey(ctx, 'vms', 'signing', alg === 'ed25519' ? 'ed25519' : 'secp256k1')
  const signature =
    alg === 'ed25519'
      ? ed25519.sign(a.data, k.key)
      : secp256k1.sign(prehashed(alg, a.data), k.key, { lowS: true, prehash: false })
  return {
    signature: toHex(signature),
    signature_chain: [toHex(signature), toHex(k.signatureChain[0]), toHex(k.signatureChain[1])],
    public_key: toHex(k.publicKey),
  }
}

/** `/Verify {algorithm, data, signature, public_key}` → `{valid}`; malformed keys/signatures are a 400, as in dstack. */
export function handleVerify(_ctx: GuestContext, input: unknown): { valid: boolean } {
  const a = parseArgs(VerifyArgs, input)
  const alg = signAlgorithm(a.algorithm)
  if (alg === 'ed25519') {
    if (a.public_key.length !== 32) throw new AgentError('AGENT_BAD_INPUT', 'invalid public key')
    if (a.signature.length !== 64) throw new AgentError('AGENT_BAD_INPUT', 'invalid signature')
    try {
      return { valid: ed25519.verify(a.signature, a.data, a.public_key) }
    } catch {
      throw new AgentError('AGENT_BAD_INPUT', 'invalid public key')
    }
  }
  try {
    secp256k1.Point.fromBytes(a.public_key)
  } catch {
    throw new AgentError('AGENT_BAD_INPUT', 'invalid public key')
  }
  if (a.signature.length !== 64) throw new AgentError('AGENT_BAD_INPUT', 'invalid signature')
  const digest = prehashed(alg, a.data)
  try {
    return { valid: secp256k1.verify(a.signature, digest, a.public_key, { lowS: true, prehash: false }) }
  } catch {
    return { valid: false }
  }
}
