/**
 * The legacy Tappd key methods (dstack guest-agent rpc_service.rs `InternalRpcHandlerV0`), served on
 * `tappd.sock` for the SDK's deprecated `TappdClient`. The certificate path and the k256 derivation are the
 * DstackGuest ones (GetTlsKey's `certifyKey`, GetKey's handler); only the key choice differs.
 */
import { randomBytes } from 'node:crypto'
import {
  assertP256Scalar,
  deriveKey,
  KmsCryptoError,
  p256Pkcs8Pem,
  p256PublicKey,
  p256SpkiDer,
  utf8ToBytes,
} from '../crypto/index.js'
import { AgentError } from './errors.js'
import { handleGetKey } from './getKey.js'
import type { GuestContext } from './guestContext.js'
import { DeriveKeyArgs, parseArgs } from './guestInput.js'
import { certConfigFromArgs, certifyKey, type GetTlsKeyReply } from './tlsKey.js'

export interface DeriveK256KeyReply {
  /** 32 bytes hex (the GetKey key) */
  k256_key: string
  /** the GetKey signature chain: [app signature over purpose:hex(pubkey), KMS k256_signature] */
  k256_signature_chain: [string, string]
}

/**
 * dstack `derive_p256_key_pair_from_bytes(seed, [path])`: HKDF-SHA256(salt "RATLS", ikm = the app k256 key, or
 * 32 random bytes with random_seed, info = path) used as the P-256 scalar, no reduction. The key is
 * deterministic per (app, path) — apps hash it (`asUint8Array()`) into secrets, so it must be dstack's exactly.
 */
export function tappdDerivedScalar(appK256Key: Uint8Array, path: string, randomSeed: boolean): Uint8Array {
  const seed = randomSeed ? new Uint8Array(randomBytes(32)) : appK256Key
  const scalar = deriveKey(seed, [utf8ToBytes(path)], 32)
  if (randomSeed) seed.fill(0)
  try {
    assertP256Scalar(scalar, 'derived P-256 scalar')
  } catch (e) {
    scalar.fill(0)
    if (!(e instanceof KmsCryptoError)) throw e
    // ~2^-32 of paths: dstack fails the same way (no retry), and the same path always will, so say which to change
    throw new AgentError(
      'AGENT_BAD_INPUT',
      'this path derives no valid P-256 key (HKDF output ≥ the curve order); use another path',
      {},
      { cause: e },
    )
  }
  return scalar
}

/**
 * `/prpc/Tappd.DeriveKey {path, subject, alt_names, usage_*, random_seed}` → `{key: PKCS#8 PEM, certificate_chain}`:
 * the path's P-256 key (byte-exact RustCrypto PKCS#8, as rcgen `serialize_pem()` writes it) with a KMS-issued
 * chain [leaf, app CA, KMS root CA], the same SignCert request as GetTlsKey (no app-info extension, no validity).
 */
export async function handleDeriveKey(ctx: GuestContext, input: unknown): Promise<GetTlsKeyReply> {
  const a = parseArgs(DeriveKeyArgs, input)
  const scalar = tappdDerivedScalar(ctx.keys().k256Key.expose(), a.path, a.random_seed)
  try {
    const keyPem = p256Pkcs8Pem(scalar)
    const config = certConfigFromArgs(a, false)
    const chain = await certifyKey(ctx, config, { keyPem, spki: p256SpkiDer(p256PublicKey(scalar)) })
    return { key: keyPem, certificate_chain: chain }
  } finally {
    scalar.fill(0)
  }
}

/** `/prpc/Tappd.DeriveK256Key {path, purpose, algorithm}`: dstack answers GetKey's reply under the old field names. */
export function handleDeriveK256Key(ctx: GuestContext, input: unknown): DeriveK256KeyReply {
  const r = handleGetKey(ctx, input)
  return { k256_key: r.key, k256_signature_chain: r.signature_chain }
}
