/**
 * App env-var encryption key (dstack-kms.md §2.1 `PublicKeyResponse`, §3.4, §7): the X25519 public key of
 * env_crypt_key, signed by the root k256 key (legacy and timestamped forms), and the guest-side decryption
 * of the SDK's `encryptEnvVars` output.
 */
import { createDecipheriv } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { assertAppId, deriveEnvCryptKey } from './appKeys.js'
import { KmsCryptoError } from './errors.js'
import { PREFIX_ENV_ENCRYPT_PUBKEY } from './labels.js'
import { signMessage, signMessageWithTimestamp, u64be } from './signMessage.js'

export interface EnvEncryptPubKeyInput {
  rootCaScalar: Uint8Array
  rootK256Scalar: Uint8Array
  /** 20-byte app id */
  appId: Uint8Array
  /** unix seconds (u64), signed into signatureV1 */
  timestamp: bigint | number
}

export interface EnvEncryptPubKey {
  /** 32-byte X25519 public key */
  publicKey: Uint8Array
  /** legacy: sign_message(root_k256, "dstack-env-encrypt-pubkey", app_id, publicKey) */
  signature: Uint8Array
  timestamp: bigint
  /** sign_message_with_timestamp(root_k256, "dstack-env-encrypt-pubkey", app_id, timestamp, publicKey) */
  signatureV1: Uint8Array
}

/** X25519 public key of an (unclamped) env_crypt_key; X25519 clamps the scalar itself. */
export function envEncryptPublicKey(envCryptKey: Uint8Array): Uint8Array {
  if (!(envCryptKey instanceof Uint8Array) || envCryptKey.length !== 32)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_LENGTH', 'env_crypt_key must be 32 bytes')
  return x25519.getPublicKey(envCryptKey)
}

/** `KMS.GetAppEnvEncryptPubKey` response content. */
export function appEnvEncryptPubKey(input: EnvEncryptPubKeyInput): EnvEncryptPubKey {
  assertAppId(input.appId)
  u64be(input.timestamp) // validate before deriving anything
  const secret = deriveEnvCryptKey(input.rootCaScalar, input.appId)
  const publicKey = envEncryptPublicKey(secret)
  secret.fill(0)
  const timestamp = BigInt(input.timestamp)
  return {
    publicKey,
    signature: signMessage(input.rootK256Scalar, PREFIX_ENV_ENCRYPT_PUBKEY, input.appId, publicKey),
    timestamp,
    signatureV1: signMessageWithTimestamp(
      input.rootK256Scalar,
      PREFIX_ENV_ENCRYPT_PUBKEY,
      input.appId,
      timestamp,
      publicKey,
    ),
  }
}

export interface EnvVar {
  key: string
  value: string
}

/**
 * Guest side of `encryptEnvVars` (@phala/dstack-sdk): `eph_pub(32) ‖ iv(12) ‖ AES-256-GCM(key = raw
 * X25519(env_crypt_key, eph_pub), JSON {"env":[{key,value}]})`, tag appended.
 */
export function decryptEnvVars(envCryptKey: Uint8Array, encrypted: Uint8Array): EnvVar[] {
  if (encrypted.length < 32 + 12 + 16)
    throw new KmsCryptoError('KMS_CRYPTO_BAD_ENV_CIPHERTEXT', 'encrypted env is shorter than pubkey + iv + tag')
  if (!(envCryptKey instanceof Uint8Array) || envCryptKey.length !== 32)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_LENGTH', 'env_crypt_key must be 32 bytes')
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(envCryptKey, encrypted.subarray(0, 32))
  } catch {
    throw new KmsCryptoError('KMS_CRYPTO_BAD_ENV_CIPHERTEXT', 'encrypted env carries an invalid X25519 public key')
  }
  const iv = encrypted.subarray(32, 44)
  const body = encrypted.subarray(44, encrypted.length - 16)
  const tag = encrypted.subarray(encrypted.length - 16)
  let plain: Buffer
  try {
    const d = createDecipheriv('aes-256-gcm', shared, iv)
    d.setAuthTag(tag)
    plain = Buffer.concat([d.update(body), d.final()])
  } catch {
    throw new KmsCryptoError(
      'KMS_CRYPTO_BAD_ENV_CIPHERTEXT',
      'encrypted env failed authentication (wrong key or tampered)',
    )
  } finally {
    shared.fill(0)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(plain.toString('utf8'))
  } catch {
    parsed = undefined
  }
  const env = (parsed as { env?: unknown } | undefined)?.env
  if (!Array.isArray(env) || !env.every((e) => typeof e?.key === 'string' && typeof e?.value === 'string'))
    throw new KmsCryptoError('KMS_CRYPTO_BAD_ENV_CIPHERTEXT', 'decrypted env is not {"env":[{key,value}]}')
  return env.map((e: EnvVar) => ({ key: e.key, value: e.value }))
}
