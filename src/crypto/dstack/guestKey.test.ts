import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { utf8ToBytes } from '../bytes.js'
import { fromHex, toHex } from '../hex.js'
import { deriveAppK256Key } from './appKeys.js'
import {
  deriveGuestKey,
  getGuestKey,
  guestKeySignature,
  guestPublicKey,
  normalizeGuestKeyAlgorithm,
  recoverGuestKeyChain,
} from './guestKey.js'
import { deriveKey } from './kdf.js'
import { k256PublicKey } from './signMessage.js'

// dstack guest-agent/src/rpc_service.rs tests: DUMMY_K256_KEY and its pinned vectors
const DUMMY_K256_KEY = fromHex('1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b')

describe('guest GetKey (dstack vectors)', () => {
  it('get_key_pins_the_frozen_chain_link: path "test", purpose "signing", secp256k1', () => {
    const r = getGuestKey({
      appK256Key: DUMMY_K256_KEY,
      k256Signature: new Uint8Array(0),
      path: 'test',
      purpose: 'signing',
      algorithm: 'secp256k1',
    })
    expect(toHex(r.signatureChain[0])).toBe(
      'c8a3dcf06c4e95bd78a5d7a1c8fcff171fc5848cfae804c6fc11bda4dc5d4062379995390843827444992c4c0e4bac70f0f878e01b9fc8b98cd7126fe5a3876b01',
    )
  })

  it('DIP-1 report-data vectors pin the "vms" public keys (ed25519 and compressed secp256k1)', () => {
    const key = deriveGuestKey(DUMMY_K256_KEY, 'vms')
    expect(Buffer.from(guestPublicKey(key, 'ed25519')).toString('base64url')).toBe(
      '5Pbre1Amf1hrp2V2bbfKlIfxpQb2pJAmrgmhxgVoG9s',
    )
    expect(Buffer.from(guestPublicKey(key, 'secp256k1')).toString('base64url')).toBe(
      'A6t_JdVkVdMAocH3f1f20WGT6JzdntxcXimUtEax8zc9',
    )
  })
})

describe('guest GetKey formulas', () => {
  it('key = HKDF(app k256, path) for every algorithm; aliases normalise', () => {
    const k = deriveGuestKey(DUMMY_K256_KEY, 'a/b')
    expect(toHex(k)).toBe(toHex(deriveKey(DUMMY_K256_KEY, [utf8ToBytes('a/b')], 32)))
    for (const alg of ['', 'k256', 'secp256k1', 'ed25519', undefined])
      expect(
        toHex(
          getGuestKey({
            appK256Key: DUMMY_K256_KEY,
            k256Signature: new Uint8Array(65),
            path: 'a/b',
            purpose: 'x',
            algorithm: alg,
          }).key,
        ),
      ).toBe(toHex(k))
    expect(normalizeGuestKeyAlgorithm('k256')).toBe('secp256k1')
    expect(normalizeGuestKeyAlgorithm('')).toBe('secp256k1')
  })

  it('signature_chain[0] recovers to the app key over keccak256(purpose ":" hex(pubkey)) (checked with noble)', () => {
    for (const algorithm of ['secp256k1', 'ed25519']) {
      const r = getGuestKey({
        appK256Key: DUMMY_K256_KEY,
        k256Signature: new Uint8Array(65),
        path: 'p',
        purpose: 'enc',
        algorithm,
      })
      const pub = algorithm === 'ed25519' ? ed25519.getPublicKey(r.key) : secp256k1.getPublicKey(r.key, true)
      expect(toHex(r.publicKey)).toBe(toHex(pub))
      const digest = keccak_256(utf8ToBytes(`enc:${toHex(pub)}`))
      const sig = r.signatureChain[0]
      const rec = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact')
        .addRecoveryBit(sig[64] as number)
        .recoverPublicKey(digest)
        .toBytes(true)
      expect(toHex(rec)).toBe(toHex(secp256k1.getPublicKey(DUMMY_K256_KEY, true)))
      expect(toHex(guestKeySignature(DUMMY_K256_KEY, 'enc', pub))).toBe(toHex(sig))
    }
  })

  it('the full chain walks back to the KMS root k256 key', () => {
    const root = new Uint8Array(32).fill(7)
    const appId = fromHex('cd'.repeat(20))
    const app = deriveAppK256Key(root, appId)
    const r = getGuestKey({ appK256Key: app.key, k256Signature: app.signature, path: 'wallet', purpose: 'eth' })
    const walked = recoverGuestKeyChain({
      appId,
      purpose: 'eth',
      publicKey: r.publicKey,
      signatureChain: r.signatureChain,
    })
    expect(toHex(walked.appPubkey)).toBe(toHex(app.publicKey))
    expect(toHex(walked.rootPubkey)).toBe(toHex(k256PublicKey(root)))
    const wrongApp = recoverGuestKeyChain({
      appId: fromHex('ce'.repeat(20)),
      purpose: 'eth',
      publicKey: r.publicKey,
      signatureChain: r.signatureChain,
    })
    expect(toHex(wrongApp.rootPubkey)).not.toBe(toHex(k256PublicKey(root)))
  })

  it('generated negatives', () => {
    expect(codeOf(() => normalizeGuestKeyAlgorithm('secp256k1_prehashed'))).toBe('KMS_CRYPTO_UNSUPPORTED_ALGORITHM')
    expect(codeOf(() => normalizeGuestKeyAlgorithm('rsa'))).toBe('KMS_CRYPTO_UNSUPPORTED_ALGORITHM')
    expect(codeOf(() => deriveGuestKey(new Uint8Array(31), 'x'))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(codeOf(() => guestKeySignature(DUMMY_K256_KEY, 'x', new Uint8Array(65)))).toBe('KMS_CRYPTO_INVALID_LENGTH')
    expect(codeOf(() => guestPublicKey(new Uint8Array(32), 'secp256k1'))).toBe('KMS_CRYPTO_INVALID_SCALAR')
    expect(
      codeOf(() =>
        recoverGuestKeyChain({
          appId: new Uint8Array(20),
          purpose: 'x',
          publicKey: new Uint8Array(33),
          signatureChain: [new Uint8Array(65)],
        }),
      ),
    ).toBe('KMS_CRYPTO_BAD_SIGNATURE')
  })
})
