import { bls12_381 } from '@noble/curves/bls12-381'
import type { BlsBackend } from './blsBackend.js'

/** Ethereum's proof-of-possession ciphersuite (noble's default DST is the _NUL_ one, so it is passed explicitly). */
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

/**
 * Pure-JS BLS12-381 (@noble/curves), used only when the native @chainsafe/blst binding cannot load. Same
 * bytes as blst (checked in the tests), roughly 100× slower per signature.
 */
export function nobleBackend(): BlsBackend {
  return {
    name: 'noble',
    publicKey: (sk) => bls12_381.getPublicKey(sk),
    sign: (sk, msg) => bls12_381.sign(msg, sk, { DST }),
    verify(pk, msg, sig) {
      try {
        return bls12_381.verify(sig, msg, pk, { DST })
      } catch {
        return false
      }
    },
    isValidPublicKey(pk) {
      if (pk.length !== 48) return false
      try {
        const p = bls12_381.G1.ProjectivePoint.fromHex(pk)
        p.assertValidity()
        return !p.equals(bls12_381.G1.ProjectivePoint.ZERO)
      } catch {
        return false
      }
    },
  }
}
