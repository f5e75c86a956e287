/**
 * `KMS.GetAppKey` derivations (dstack-kms.md §3.3, `kms/src/main_service.rs` + `crypto.rs`), byte-exact.
 */
import { utf8ToBytes } from '../bytes.js'
import { KmsCryptoError } from './errors.js'
import { deriveDhSecret, deriveKey, deriveP256Key } from './kdf.js'
import {
  LABEL_APP_CA_KEY,
  LABEL_APP_K256_KEY,
  LABEL_DISK_CRYPT_KEY,
  LABEL_ENV_CRYPT_KEY,
  PREFIX_KMS_ISSUED,
} from './labels.js'
import { assertK256Scalar, k256PublicKey, signMessage } from './signMessage.js'

export interface AppKeyInput {
  /** root CA P-256 scalar (32 bytes) */
  rootCaScalar: Uint8Array
  /** root secp256k1 scalar (32 bytes) */
  rootK256Scalar: Uint8Array
  /** 20-byte app id from the verified boot info */
  appId: Uint8Array
  /** 20-byte instance id, or empty when the app compose sets no_instance_id */
  instanceId: Uint8Array
}

/** The secret half of `AppKeyResponse`. Every field is secret except `k256Signature`. */
export interface AppKeys {
  /** LUKS key; the guest uses hex(diskCryptKey) as the passphrase */
  diskCryptKey: Uint8Array
  /** X25519 static secret, unclamped (X25519 clamps on use) */
  envCryptKey: Uint8Array
  /** app secp256k1 scalar */
  k256Key: Uint8Array
  /** 65-byte r‖s‖v by the root k256 key over keccak256("dstack-kms-issued:" ‖ app_id ‖ compressed app pubkey) */
  k256Signature: Uint8Array
}

export function assertAppId(appId: Uint8Array): void {
  if (!(appId instanceof Uint8Array) || appId.length !== 20)
    throw new KmsCryptoError('KMS_CRYPTO_INVALID_LENGTH', `app_id must be 20 bytes, got ${appId?.length}`)
}

function assertInstanceId(instanceId: Uint8Array): void {
  if (!(instanceId instanceof Uint8Array) || (instanceId.length !== 0 && instanceId.length !== 20))
    throw new KmsCryptoError(
      'KMS_CRYPTO_INVALID_LENGTH',
      `instance_id must be 0 or 20 bytes, got ${instanceId?.length}`,
    )
}

/** disk_crypt_key = derive_dh_secret(root_ca, [app_id, instance_id, "app-disk-crypt-key"]). */
export function deriveDiskCryptKey(rootCaScalar: Uint8Array, appId: Uint8Array, instanceId: Uint8Array): Uint8Array {
  return deriveDhSecret(rootCaScalar, [appId, instanceId, utf8ToBytes(LABEL_DISK_CRYPT_KEY)])
}

/** env_crypt_key = derive_dh_secret(root_ca, [app_id, "env-encrypt-key"]) (unclamped X25519 secret). */
export function deriveEnvCryptKey(rootCaScalar: Uint8Array, appId: Uint8Array): Uint8Array {
  return deriveDhSecret(rootCaScalar, [appId, utf8ToBytes(LABEL_ENV_CRYPT_KEY)])
}

/** App CA P-256 scalar = derive_p256_key_pair(root_ca, [app_id, "app-ca"]) (signs SignCert leaves). */
export function deriveAppCaScalar(rootCaScalar: Uint8Array, appId: Uint8Array): Uint8Array {
  return deriveP256Key(rootCaScalar, [appId, utf8ToBytes(LABEL_APP_CA_KEY)])
}

/**
 * `derive_k256_key(root, app_id)`: key = derive_key(root, [app_id, "app-key"], 32) (must be a valid
 * scalar, no reduction); signature = sign_message(root, "dstack-kms-issued", app_id, compressed(pub)).
 * Takes any app_id length, like the Rust function (its golden vectors use a 5-byte id).
 */
export function deriveAppK256Key(
  rootK256Scalar: Uint8Array,
  appId: Uint8Array,
): { key: Uint8Array; publicKey: Uint8Array; signature: Uint8Array } {
  assertK256Scalar(rootK256Scalar, 'root secp256k1 scalar')
  const key = deriveKey(rootK256Scalar, [appId, utf8ToBytes(LABEL_APP_K256_KEY)], 32)
  assertK256Scalar(key, 'derived app secp256k1 scalar')
  const publicKey = k256PublicKey(key)
  const signature = signMessage(rootK256Scalar, PREFIX_KMS_ISSUED, appId, publicKey)
  return { key, publicKey, signature }
}

/** The app k256 half of `AppKeys`, as `deriveAppK256Key` computes it for (root k256 scalar, app_id). */
export type AppK256Source = (
  rootK256Scalar: Uint8Array,
  appId: Uint8Array,
) => { key: Uint8Array; signature: Uint8Array }

/**
 * Every key `GetAppKey` returns, for a 20-byte app_id and a 0- or 20-byte instance_id. `appK256` lets a
 * caller serve the k256 half from a cache of `deriveAppK256Key` results (the KMS keeps a per-app LRU); it
 * must return exactly what `deriveAppK256Key(rootK256Scalar, appId)` would.
 */
export function deriveAppKeys(input: AppKeyInput, appK256: AppK256Source = deriveAppK256Key): AppKeys {
  const { rootCaScalar, rootK256Scalar, appId, instanceId } = input
  assertAppId(appId)
  assertInstanceId(instanceId)
  const k256 = appK256(rootK256Scalar, appId)
  return {
    diskCryptKey: deriveDiskCryptKey(rootCaScalar, appId, instanceId),
    envCryptKey: deriveEnvCryptKey(rootCaScalar, appId),
    k256Key: k256.key,
    k256Signature: k256.signature,
  }
}
