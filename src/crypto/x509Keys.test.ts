import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './hex.js'
import { SecretBytes } from './secretBytes.js'
import {
  exportP256Scalar,
  exportPkcs8Der,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  importPkcs8Der,
  importPkcs8Pem,
  importSpkiDer,
  p256KeyPairFromScalar,
} from './x509Keys.js'

// dstack ra-tls/src/kdf.rs test_derive_dh_secret_stable_output root key (dstack-kms.md §3.2)
const ROOT_PKCS8 =
  '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1a1440342000491f50522407ce29dce3ed7d31a15d80c1c42f13a23552d2b33a0ce09ee11e47bce95936f3e7f80d195f879e28e1b144ef37ac9ab8e36a690cbf930b775897b27'
const ROOT_D = 'f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2afe19cec1'
const P256_N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'

const subtle = globalThis.crypto.subtle

describe('P-256 keys', () => {
  it('scalar → key pair → PKCS#8 DER equals the dstack layout, and back to the scalar', async () => {
    const kp = await p256KeyPairFromScalar(fromHex(ROOT_D))
    expect(toHex((await exportPkcs8Der(kp.privateKey)).expose())).toBe(ROOT_PKCS8)
    expect(toHex((await exportP256Scalar(kp.privateKey)).expose())).toBe(ROOT_D)
    const spki = await exportSpkiDer(kp.publicKey)
    expect(spki.length).toBe(91)
    expect(toHex(spki.subarray(26))).toBe(ROOT_PKCS8.slice(-130))
  })

  it('the scalar key signs and its public key verifies', async () => {
    const kp = await p256KeyPairFromScalar(new SecretBytes(fromHex(ROOT_D)))
    const msg = new TextEncoder().encode('hello')
    const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey, msg)
    const pub = await importSpkiDer(await exportSpkiDer(kp.publicKey))
    expect(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig, msg)).toBe(true)
  })

  it('rejects scalars outside [1, n) and wrong lengths', async () => {
    await expect(p256KeyPairFromScalar(new Uint8Array(32))).rejects.toThrow(RangeError)
    await expect(p256KeyPairFromScalar(fromHex(P256_N))).rejects.toThrow(RangeError)
    await expect(p256KeyPairFromScalar(new Uint8Array(31).fill(1))).rejects.toThrow(RangeError)
  })

  it('PKCS#8 PEM round-trips a generated key and recomputes the public key', async () => {
    const kp = await generateP256KeyPair()
    const pem = await exportPkcs8Pem(kp.privateKey)
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/)
    const back = await importPkcs8Pem(pem)
    expect(toHex(await exportSpkiDer(back.publicKey))).toBe(toHex(await exportSpkiDer(kp.publicKey)))
    expect(toHex((await exportP256Scalar(back.privateKey)).expose())).toBe(
      toHex((await exportP256Scalar(kp.privateKey)).expose()),
    )
  })

  it('importPkcs8Der accepts the dstack DER and refuses garbage', async () => {
    const kp = await importPkcs8Der(fromHex(ROOT_PKCS8))
    expect(toHex((await exportP256Scalar(kp.privateKey)).expose())).toBe(ROOT_D)
    await expect(importPkcs8Der(new Uint8Array([1, 2, 3]))).rejects.toThrow(TypeError)
  })
})
