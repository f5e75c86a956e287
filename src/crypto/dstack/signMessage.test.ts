import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { verifyEnvEncryptPublicKeyLegacy } from '../../../test/clients/dstack-sdk/index.js'
import { codeOf } from '../../../test/support/errors.js'
import { concatBytes, utf8ToBytes } from '../bytes.js'
import { fromHex, toHex } from '../hex.js'
import { deriveAppK256Key } from './appKeys.js'
import {
  k256PublicKey,
  recoverKeccak256Signer,
  recoverMessageSigner,
  recoverMessageSignerWithTimestamp,
  signMessage,
  signMessageWithTimestamp,
  u64be,
} from './signMessage.js'

const ROOT7 = new Uint8Array(32).fill(7)
const N = secp256k1.Point.Fn.ORDER

describe('dstack kms/src/crypto.rs golden vectors', () => {
  it('issued app key and its signature (root = [7;32], app_id = "app-a")', () => {
    const { key, signature, publicKey } = deriveAppK256Key(ROOT7, utf8ToBytes('app-a'))
    expect(toHex(key)).toBe('ed0fd39ce7c26a185f396945168972807b2f77820f14ee4bda9e1f46e8b4596d')
    expect(toHex(signature)).toBe(
      'e12a5f4567f6d9f80b01944dea333bbed5b418347f4260ed95e9ee198a03014e1716a40d2ed6cd367e335b33e231510aa98216e62b631f2b75c181c2f989656800',
    )
    expect(toHex(signMessage(ROOT7, 'dstack-kms-issued', utf8ToBytes('app-a'), publicKey))).toBe(toHex(signature))
  })
})

describe('signMessage', () => {
  const appId = fromHex('ab'.repeat(20))
  const msg = fromHex('42'.repeat(33))

  it('is r‖s‖v over keccak256(prefix ":" app_id msg), low-S, recovering to the signer (checked with noble directly)', () => {
    const sig = signMessage(ROOT7, 'dstack-kms-issued', appId, msg)
    expect(sig.length).toBe(65)
    expect([0, 1]).toContain(sig[64])
    const digest = keccak_256(concatBytes(utf8ToBytes('dstack-kms-issued:'), appId, msg))
    const s = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact')
    expect(s.hasHighS()).toBe(false)
    const pub = s
      .addRecoveryBit(sig[64] as number)
      .recoverPublicKey(digest)
      .toBytes(true)
    expect(toHex(pub)).toBe(toHex(secp256k1.getPublicKey(ROOT7, true)))
    expect(toHex(recoverMessageSigner(sig, 'dstack-kms-issued', appId, msg))).toBe(toHex(k256PublicKey(ROOT7)))
    // deterministic (RFC 6979): same bytes every time
    expect(toHex(signMessage(ROOT7, 'dstack-kms-issued', appId, msg))).toBe(toHex(sig))
  })

  it('the SDK legacy env-key verifier accepts our dstack-env-encrypt-pubkey signature', () => {
    const pk = fromHex('01'.repeat(32))
    const sig = signMessage(ROOT7, 'dstack-env-encrypt-pubkey', appId, pk)
    expect(verifyEnvEncryptPublicKeyLegacy(pk, sig, toHex(appId))).toBe(`0x${toHex(k256PublicKey(ROOT7))}`)
  })

  it('timestamped form puts u64 BE between app_id and msg', () => {
    for (const ts of [0n, 1n, 1_786_194_000n, (1n << 64n) - 1n]) {
      const sig = signMessageWithTimestamp(ROOT7, 'p', utf8ToBytes('app'), ts, utf8ToBytes('msg'))
      const pre = concatBytes(utf8ToBytes('p:app'), u64be(ts), utf8ToBytes('msg'))
      expect(toHex(recoverKeccak256Signer(sig, pre))).toBe(toHex(k256PublicKey(ROOT7)))
      expect(toHex(recoverMessageSignerWithTimestamp(sig, 'p', utf8ToBytes('app'), ts, utf8ToBytes('msg')))).toBe(
        toHex(k256PublicKey(ROOT7)),
      )
    }
    expect(toHex(u64be(0x0102030405060708n))).toBe('0102030405060708')
  })

  it('signature bytes change with every input', () => {
    const base = toHex(signMessageWithTimestamp(ROOT7, 'p', appId, 5, msg))
    expect(toHex(signMessageWithTimestamp(ROOT7, 'q', appId, 5, msg))).not.toBe(base)
    expect(toHex(signMessageWithTimestamp(ROOT7, 'p', appId, 6, msg))).not.toBe(base)
    expect(toHex(signMessageWithTimestamp(ROOT7, 'p', appId.slice(1), 5, msg))).not.toBe(base)
    expect(toHex(signMessageWithTimestamp(ROOT7, 'p', appId, 5, msg.slice(1)))).not.toBe(base)
  })

  it('refuses bad keys, timestamps and signatures with typed errors', () => {
    expect(codeOf(() => signMessage(new Uint8Array(32), 'p', appId, msg))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => signMessage(fromHex(N.toString(16)), 'p', appId, msg))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => signMessage(new Uint8Array(31).fill(1), 'p', appId, msg))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    for (const ts of [-1n, 1n << 64n, 1.5])
      expect(codeOf(() => signMessageWithTimestamp(ROOT7, 'p', appId, ts, msg))).toBe('KMS_CRYPTO_INVALID_TIMESTAMP')

    const sig = signMessage(ROOT7, 'p', appId, msg)
    const pre = concatBytes(utf8ToBytes('p:'), appId, msg)
    expect(codeOf(() => recoverKeccak256Signer(sig.subarray(0, 64), pre))).toBe('KMS_CRYPTO_BAD_SIGNATURE')
    expect(codeOf(() => recoverKeccak256Signer(concatBytes(sig.subarray(0, 64), Uint8Array.of(27)), pre))).toBe(
      'KMS_CRYPTO_BAD_SIGNATURE',
    )
    expect(codeOf(() => recoverKeccak256Signer(new Uint8Array(65), pre))).toBe('KMS_CRYPTO_BAD_SIGNATURE')
    // high-S twin of a valid signature is refused (k256 does too)
    const s = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact')
    const highS = concatBytes(
      sig.subarray(0, 32),
      fromHex((N - s.s).toString(16).padStart(64, '0')),
      Uint8Array.of((sig[64] as number) ^ 1),
    )
    expect(codeOf(() => recoverKeccak256Signer(highS, pre))).toBe('KMS_CRYPTO_BAD_SIGNATURE')
    // a tampered message recovers to some other key, never the signer
    const other = recoverKeccak256Signer(sig, concatBytes(pre, Uint8Array.of(0)))
    expect(toHex(other)).not.toBe(toHex(k256PublicKey(ROOT7)))
  })
})
