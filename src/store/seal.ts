import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { SecretBytes } from '../crypto/index.js'
import { StoreError } from './errors.js'

/** Format of a sealed blob: version ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte GCM tag. */
export const SEAL_VERSION = 0x01
const NONCE_LEN = 12
const TAG_LEN = 16
const KEY_LEN = 32
const HEADER_LEN = 1 + NONCE_LEN

function keyBytes(key: SecretBytes): Uint8Array {
  if (!(key instanceof SecretBytes) || key.length !== KEY_LEN)
    throw new StoreError('STORE_BAD_KEY', `the sealing key must be ${KEY_LEN} bytes in SecretBytes`)
  return key.expose()
}

/** The GCM additional data: the version byte is authenticated together with the caller's label. */
function fullAad(version: number, aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + aad.length)
  out[0] = version
  out.set(aad, 1)
  return out
}

/**
 * AES-256-GCM seal. `aad` binds the blob to where it is stored (see `secretAad`), so a blob copied to
 * another record does not open. The nonce is random (12 bytes): fine for far fewer than 2^32 seals per key.
 * `rng` exists for tests; production uses node:crypto.
 */
export function seal(
  key: SecretBytes,
  aad: Uint8Array,
  plaintext: Uint8Array,
  rng: (n: number) => Uint8Array = randomBytes,
): Uint8Array {
  const k = keyBytes(key)
  const nonce = rng(NONCE_LEN)
  if (nonce.length !== NONCE_LEN) throw new StoreError('STORE_BAD_KEY', 'the nonce source returned a wrong length')
  const cipher = createCipheriv('aes-256-gcm', k, nonce, { authTagLength: TAG_LEN })
  cipher.setAAD(fullAad(SEAL_VERSION, aad))
  const ct1 = cipher.update(plaintext)
  const ct2 = cipher.final()
  const tag = cipher.getAuthTag()
  const out = new Uint8Array(HEADER_LEN + ct1.length + ct2.length + TAG_LEN)
  out[0] = SEAL_VERSION
  out.set(nonce, 1)
  out.set(ct1, HEADER_LEN)
  out.set(ct2, HEADER_LEN + ct1.length)
  out.set(tag, out.length - TAG_LEN)
  return out
}

/**
 * Open a blob made by `seal` under the same key and `aad`. Any mismatch (wrong key, other record,
 * flipped bit, truncation, unknown version) is one error, STORE_UNSEAL_FAILED, that names no bytes.
 * The plaintext is returned in a fresh buffer owned by the SecretBytes (safe to `wipe()`).
 */
export function unseal(key: SecretBytes, aad: Uint8Array, blob: Uint8Array): SecretBytes {
  const k = keyBytes(key)
  const fail = (why: string, cause?: unknown): never => {
    throw new StoreError(
      'STORE_UNSEAL_FAILED',
      `sealed data did not open (${why}): wrong sealing key, tampered data, or a blob moved from another record`,
      {},
      cause === undefined ? undefined : { cause },
    )
  }
  if (!(blob instanceof Uint8Array) || blob.length < HEADER_LEN + TAG_LEN) return fail('too short')
  if (blob[0] !== SEAL_VERSION) return fail(`unknown format version ${blob[0]}`)
  const nonce = blob.subarray(1, HEADER_LEN)
  const ct = blob.subarray(HEADER_LEN, blob.length - TAG_LEN)
  const tag = blob.subarray(blob.length - TAG_LEN)
  const out = new Uint8Array(ct.length)
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, nonce, { authTagLength: TAG_LEN })
    decipher.setAAD(fullAad(SEAL_VERSION, aad))
    decipher.setAuthTag(tag)
    const p1 = decipher.update(ct)
    out.set(p1, 0)
    p1.fill(0)
    const p2 = decipher.final()
    out.set(p2, p1.length)
    p2.fill(0)
  } catch (e) {
    out.fill(0)
    return fail('authentication failed', e instanceof Error ? new Error(e.message) : undefined)
  }
  return new SecretBytes(out)
}

const SECRET_AAD_PREFIX = 'custos/store/v1/sealed_secrets/'

/** AAD for a row of `sealed_secrets`: a fixed domain label followed by the record name. */
export function secretAad(name: string): Uint8Array {
  return new TextEncoder().encode(SECRET_AAD_PREFIX + name)
}
