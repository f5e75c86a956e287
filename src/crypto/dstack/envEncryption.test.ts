import { randomBytes } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { encryptEnvVars } from '../../../test/clients/dstack-sdk/encryptEnvVars.js'
import { verifyEnvEncryptPublicKey, verifyEnvEncryptPublicKeyLegacy } from '../../../test/clients/dstack-sdk/index.js'
import { codeOf } from '../../../test/support/errors.js'
import { fromHex, toHex } from '../hex.js'
import { deriveAppKeys } from './appKeys.js'
import { appEnvEncryptPubKey, decryptEnvVars, envEncryptPublicKey } from './envEncryption.js'
import { k256PublicKey } from './signMessage.js'

const rootCaScalar = p256.utils.randomSecretKey()
const rootK256Scalar = secp256k1.utils.randomSecretKey()
const appId = new Uint8Array(randomBytes(20))
const now = BigInt(Math.floor(Date.now() / 1000))

describe('appEnvEncryptPubKey', () => {
  const r = appEnvEncryptPubKey({ rootCaScalar, rootK256Scalar, appId, timestamp: now })
  const { envCryptKey } = deriveAppKeys({ rootCaScalar, rootK256Scalar, appId, instanceId: new Uint8Array(0) })

  it('public key is X25519 of the env_crypt_key GetAppKey hands out', () => {
    expect(r.publicKey.length).toBe(32)
    expect(toHex(r.publicKey)).toBe(toHex(x25519.getPublicKey(envCryptKey)))
    expect(toHex(envEncryptPublicKey(envCryptKey))).toBe(toHex(r.publicKey))
    expect(r.timestamp).toBe(now)
  })

  it('both signatures verify with @phala/dstack-sdk and recover to the root k256 key', () => {
    const want = `0x${toHex(k256PublicKey(rootK256Scalar))}`
    expect(verifyEnvEncryptPublicKey(r.publicKey, r.signatureV1, toHex(appId), r.timestamp)).toBe(want)
    expect(verifyEnvEncryptPublicKeyLegacy(r.publicKey, r.signature, toHex(appId))).toBe(want)
    // the v1 signature binds the timestamp: a different one recovers to another key
    const errs = console.error
    console.error = () => {}
    try {
      expect(verifyEnvEncryptPublicKey(r.publicKey, r.signatureV1, toHex(appId), now - 1n)).not.toBe(want)
    } finally {
      console.error = errs
    }
  })

  it('env vars encrypted by the SDK to our public key decrypt with the derived env_crypt_key', async () => {
    const envs = [
      { key: 'API_KEY', value: 'sk-123' },
      { key: 'EMPTY', value: '' },
      { key: 'UNICODE', value: 'ünï ✓' },
    ]
    const hex = await encryptEnvVars(envs, toHex(r.publicKey))
    expect(decryptEnvVars(envCryptKey, fromHex(hex))).toEqual(envs)
  })

  it('tampered or foreign ciphertexts fail with a typed error', async () => {
    const ct = fromHex(await encryptEnvVars([{ key: 'A', value: 'b' }], toHex(r.publicKey)))
    const flipped = ct.slice()
    flipped[50] = (flipped[50] as number) ^ 1
    expect(codeOf(() => decryptEnvVars(envCryptKey, flipped))).toBe('KMS_CRYPTO_BAD_ENV_CIPHERTEXT')
    expect(codeOf(() => decryptEnvVars(new Uint8Array(32).fill(9), ct))).toBe('KMS_CRYPTO_BAD_ENV_CIPHERTEXT')
    expect(codeOf(() => decryptEnvVars(envCryptKey, ct.subarray(0, 59)))).toBe('KMS_CRYPTO_BAD_ENV_CIPHERTEXT')
    const lowOrder = ct.slice()
    lowOrder.fill(0, 0, 32)
    expect(codeOf(() => decryptEnvVars(envCryptKey, lowOrder))).toBe('KMS_CRYPTO_BAD_ENV_CIPHERTEXT')
  })

  it('generated negatives: app_id length, timestamp range', () => {
    for (const n of [0, 19, 21])
      expect(
        codeOf(() => appEnvEncryptPubKey({ rootCaScalar, rootK256Scalar, appId: new Uint8Array(n), timestamp: 1 })),
      ).toBe('KMS_CRYPTO_INVALID_LENGTH')
    for (const timestamp of [-1n, 1n << 64n])
      expect(codeOf(() => appEnvEncryptPubKey({ rootCaScalar, rootK256Scalar, appId, timestamp }))).toBe(
        'KMS_CRYPTO_INVALID_TIMESTAMP',
      )
  })
})
