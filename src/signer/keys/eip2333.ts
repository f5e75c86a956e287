import { expand, extract } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, SecretBytes, utf8ToBytes } from '../../crypto/index.js'

/**
 * EIP-2333 BLS12-381 key derivation (ethereum/ERCs ERCS/erc-2333.md). Secret keys travel as 32-byte
 * big-endian integers in `SecretBytes`. Only hardened derivation exists. `hkdfModR` is also IETF BLS KeyGen.
 * Note: the mod-r reduction uses JS BigInt, which is not constant-time (as in the Python reference).
 */

/** Order of the BLS12-381 G1/G2 subgroups. */
export const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

const KEYGEN_SALT = utf8ToBytes('BLS-SIG-KEYGEN-SALT-')
const L = 48

const bytesToBigint = (b: Uint8Array): bigint => {
  let n = 0n
  for (const x of b) n = (n << 8n) | BigInt(x)
  return n
}

const bigintTo32 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32)
  let v = n
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

const i2osp = (n: number, len: number): Uint8Array => {
  const out = new Uint8Array(len)
  let v = n
  for (let i = len - 1; i >= 0; i--) {
    out[i] = v & 0xff
    v = Math.floor(v / 256)
  }
  return out
}

/** HKDF_mod_r(IKM, key_info) → 32-byte big-endian SK in [1, r). */
export function hkdfModR(ikm: Uint8Array, keyInfo: Uint8Array = new Uint8Array(0)): Uint8Array {
  let salt = KEYGEN_SALT
  let sk = 0n
  while (sk === 0n) {
    salt = sha256(salt)
    const prk = extract(sha256, concatBytes(ikm, new Uint8Array([0])), salt)
    const okm = expand(sha256, prk, concatBytes(keyInfo, i2osp(L, 2)), L)
    sk = bytesToBigint(okm) % BLS_CURVE_ORDER
    prk.fill(0)
    okm.fill(0)
  }
  return bigintTo32(sk)
}

function ikmToLamportSk(ikm: Uint8Array, salt: Uint8Array): Uint8Array[] {
  const okm = expand(sha256, extract(sha256, ikm, salt), undefined, 32 * 255)
  const chunks: Uint8Array[] = []
  for (let i = 0; i < 255; i++) chunks.push(okm.subarray(i * 32, (i + 1) * 32))
  return chunks
}

/** parent_SK_to_lamport_PK: the 32-byte compressed Lamport public key of `parentSk` at `index`. */
export function parentSkToLamportPk(parentSk: Uint8Array, index: number): Uint8Array {
  assertIndex(index)
  const salt = i2osp(index, 4)
  const ikm = parentSk
  const notIkm = ikm.map((b) => ~b & 0xff)
  const lamport = [...ikmToLamportSk(ikm, salt), ...ikmToLamportSk(notIkm, salt)]
  const pk = concatBytes(...lamport.map((chunk) => sha256(chunk)))
  for (const chunk of lamport) chunk.fill(0)
  notIkm.fill(0)
  return sha256(pk)
}

function assertIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new RangeError('EIP-2333 child index must be an integer in [0, 2^32)')
  }
}

/** derive_master_SK(seed); the seed must be at least 32 bytes. */
export function deriveMasterSK(seed: Uint8Array): SecretBytes {
  if (seed.length < 32) throw new RangeError('EIP-2333 seed must be at least 32 bytes')
  return new SecretBytes(hkdfModR(seed))
}

/** derive_child_SK(parent_SK, index). */
export function deriveChildSK(parent: SecretBytes, index: number): SecretBytes {
  const parentSk = parent.expose()
  if (parentSk.length !== 32) throw new RangeError('EIP-2333 parent key must be 32 bytes')
  return new SecretBytes(hkdfModR(parentSkToLamportPk(parentSk, index)))
}

/** Decimal form of a 32-byte big-endian key (test vectors in the EIP are decimal). */
export const secretKeyToBigint = (sk: SecretBytes): bigint => bytesToBigint(sk.expose())
