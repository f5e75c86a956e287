/**
 * Byte-exact labels of the dstack KMS derivations and signatures (dstack-kms.md §2–§3, §7).
 * They are part of the wire format of every key dstack ever issued: never change them.
 */

/** HKDF-SHA256 salt of every derivation (`ra-tls/src/kdf.rs` LEGACY_SALT). */
export const KDF_SALT = 'RATLS'

/** context label of disk_crypt_key: derive_dh_secret(root_ca, [app_id, instance_id, label]) */
export const LABEL_DISK_CRYPT_KEY = 'app-disk-crypt-key'
/** context label of env_crypt_key: derive_dh_secret(root_ca, [app_id, label]) */
export const LABEL_ENV_CRYPT_KEY = 'env-encrypt-key'
/** context label of the app k256 key: derive_key(root_k256, [app_id, label], 32) */
export const LABEL_APP_K256_KEY = 'app-key'
/** context label of the app CA key: derive_p256_key_pair(root_ca, [app_id, label]) */
export const LABEL_APP_CA_KEY = 'app-ca'

/** sign_message prefix of k256_signature (msg = compressed app k256 pubkey) */
export const PREFIX_KMS_ISSUED = 'dstack-kms-issued'
/** sign_message prefix of the env-encryption public key signatures */
export const PREFIX_ENV_ENCRYPT_PUBKEY = 'dstack-env-encrypt-pubkey'

/** Bootstrap report_data tag; the typo "genereted" is part of the format. */
export const BOOTSTRAP_REPORT_TAG = 'dstack-kms-genereted-keys-v1:'

/** The SignCert CSR confirm word. */
export const CSR_CONFIRM = 'please sign cert:'
