import { bls12_381 } from '@noble/curves/bls12-381.js'
import type { BlsBackend } from './blsBackend.js'

/** Ethereum's proof-of-possession ciphersuite (noble's default DST is the _NUL_ one, so it is passed explicitly). */
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'
/** Ethereum's layout: G1 public keys, G2 signatures. */
const bls = bls12_381.longSignatures

/**
 * Pure-JS BLS12-381 (@noble/curves), used only when the native @chainsafe/blst binding cannot load. Same
 * bytes as blst (checked in the tests), roughly 100× slower per signature.
 */
export function nobleBackend(): BlsBackend {
  return {
    name: 'noble',
    publicKey: (sk) => bls.getPublicKey(sk).toBytes(true),
    sign: (sk, msg) => bls.sign(bls.hash(msg, DST), sk).toBytes(true),
    verify(pk, msg, sig) {
      try {
        return bls.verify(sig, bls.hash(msg, DST), pk)
      } catch {
        return false
      }
    },
    isValidPublicKey(pk) {
      if (pk.length !== 48) return false
      try {
        const p = bls12_381.G1.Point.fromBytes(pk)
        p.assertValidity()
        return !p.equals(bls12_381.G1.Point.ZERO)
      } catch {
        return false
      }
    },
  }
}
