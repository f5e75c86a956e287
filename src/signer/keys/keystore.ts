import { createCipheriv, createDecipheriv } from 'node:crypto'
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, equalBytes, fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import { SignerError } from '../errors.js'
import { jsonInput } from '../jsonInput.js'
import { getBls } from './blsBackend.js'
import { BLS_CURVE_ORDER } from './eip2333.js'
import { type KeystoreKdf, type KeystoreV4, kdfLimitViolation, keystoreV4Schema } from './keystoreSchema.js'

/**
 * EIP-2335 keystores (ethereum/ERCs ERCS/erc-2335.md): decryption_key = KDF(password, salt) with scrypt or
 * PBKDF2-HMAC-SHA256; checksum = SHA256(decryption_key[16:32] || cipher.message); the secret is AES-128-CTR
 * under decryption_key[0:16]. KDFs run through noble's async variants so a 1-second scrypt yields to the event
 * loop instead of stalling signing.
 */

/** NFKD, drop C0 (0x00–0x1F), DEL (0x7F) and C1 (0x80–0x9F) control codes, UTF-8 encode (EIP-2335 "Password requirements"). */
export function normalizeKeystorePassword(password: string): Uint8Array {
  const stripped = Array.from(password.normalize('NFKD'))
    .filter((ch) => {
      const cp = ch.codePointAt(0) as number
      return !(cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f))
    })
    .join('')
  return new TextEncoder().encode(stripped)
}

async function deriveDecryptionKey(kdf: KeystoreKdf, password: Uint8Array): Promise<Uint8Array> {
  assertKdfWithinLimits(kdf) // every KDF run, reading or writing, stays within the limits
  const salt = fromHex(kdf.params.salt)
  if (kdf.function === 'scrypt') {
    const { n, r, p, dklen } = kdf.params
    return scryptAsync(password, salt, { N: n, r, p, dkLen: dklen, maxmem: 128 * n * r * p + 1024 * 1024 })
  }
  return pbkdf2Async(sha256, password, salt, { c: kdf.params.c, dkLen: kdf.params.dklen })
}

function aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array {
  const c = encrypt ? createCipheriv('aes-128-ctr', key, iv) : createDecipheriv('aes-128-ctr', key, iv)
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]))
}

/** SIGNER_KEYSTORE_KDF_LIMIT (400) when the KDF would cost more memory or work than `kdfLimitViolation` allows. */
export function assertKdfWithinLimits(kdf: KeystoreKdf): void {
  const v = kdfLimitViolation(kdf)
  if (v) throw new SignerError('SIGNER_KEYSTORE_KDF_LIMIT', v.message, { param: v.param, limit: v.limit })
}

/**
 * Parse and validate keystore JSON (a JSON string or an already-parsed object), KDF cost limits included.
 * Throws SIGNER_BAD_KEYSTORE or SIGNER_KEYSTORE_KDF_LIMIT; runs no KDF.
 */
export function parseKeystore(input: unknown): KeystoreV4 {
  const json = jsonInput(
    input,
    () => new SignerError('SIGNER_BAD_KEYSTORE', 'keystore is not valid JSON; pass the EIP-2335 file content'),
  )
  const parsed = keystoreV4Schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new SignerError(
      'SIGNER_BAD_KEYSTORE',
      `keystore does not match EIP-2335 v4 (${issue?.message ?? 'invalid'}); check the file is a version 4 BLS keystore`,
      { path: issue ? issue.path.join('.') : '' },
    )
  }
  assertKdfWithinLimits(parsed.data.crypto.kdf)
  return parsed.data
}

export interface DecryptedKeystore {
  secretKey: SecretBytes
  publicKey: Uint8Array
  path: string
  uuid: string
}

/**
 * Decrypt an EIP-2335 keystore. Wrong password → SIGNER_BAD_KEYSTORE_PASSWORD; malformed keystore, a secret
 * that is not a BLS key, or a `pubkey` field that does not match the secret → SIGNER_BAD_KEYSTORE; KDF parameters
 * above the limits → SIGNER_KEYSTORE_KDF_LIMIT (before the KDF runs).
 */
export async function decryptKeystore(input: unknown, password: string): Promise<DecryptedKeystore> {
  const ks = parseKeystore(input)
  const pw = normalizeKeystorePassword(password)
  const dk = await deriveDecryptionKey(ks.crypto.kdf, pw)
  pw.fill(0)
  const cipherMessage = fromHex(ks.crypto.cipher.message)
  const checksum = sha256(concatBytes(dk.subarray(16, 32), cipherMessage))
  if (!equalBytes(checksum, fromHex(ks.crypto.checksum.message))) {
    dk.fill(0)
    throw new SignerError('SIGNER_BAD_KEYSTORE_PASSWORD', 'keystore password is wrong (checksum mismatch)')
  }
  const secret = aes128Ctr(dk.subarray(0, 16), fromHex(ks.crypto.cipher.params.iv), cipherMessage, false)
  dk.fill(0)
  let n = 0n
  for (const b of secret) n = (n << 8n) | BigInt(b)
  if (n === 0n || n >= BLS_CURVE_ORDER) {
    secret.fill(0)
    throw new SignerError('SIGNER_BAD_KEYSTORE', 'keystore secret is not a valid BLS12-381 secret key')
  }
  const publicKey = getBls().publicKey(secret)
  if (ks.pubkey !== undefined && !equalBytes(publicKey, fromHex(ks.pubkey))) {
    secret.fill(0)
    throw new SignerError('SIGNER_BAD_KEYSTORE', 'keystore pubkey does not match its secret key')
  }
  return { secretKey: new SecretBytes(secret), publicKey, path: ks.path, uuid: ks.uuid }
}

export type KeystoreKdfChoice =
  | { function: 'scrypt'; n?: number; r?: number; p?: number }
  | { function: 'pbkdf2'; c?: number }

export interface EncryptKeystoreOptions {
  secretKey: SecretBytes
  password: string
  /** EIP-2334 path the key came from ('' if none). */
  path: string
  /** Default scrypt n=2^18, r=8, p=1 (the EIP's and staking-deposit-cli's choice). */
  kdf?: KeystoreKdfChoice
  description?: string
  /** Randomness for salt, IV and the uuid. */
  rng: (length: number) => Uint8Array
}

function uuidV4(rng: (n: number) => Uint8Array): string {
  const b = rng(16)
  b[6] = ((b[6] as number) & 0x0f) | 0x40
  b[8] = ((b[8] as number) & 0x3f) | 0x80
  const h = toHex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Encrypt a BLS secret key into an EIP-2335 v4 keystore (hex without 0x, as the EIP's vectors). */
export async function encryptKeystore(opts: EncryptKeystoreOptions): Promise<KeystoreV4> {
  const secret = opts.secretKey.expose()
  if (secret.length !== 32) throw new RangeError('a BLS secret key is 32 bytes')
  const choice = opts.kdf ?? { function: 'scrypt' }
  const salt = toHex(opts.rng(32))
  const kdf: KeystoreKdf =
    choice.function === 'scrypt'
      ? {
          function: 'scrypt',
          params: { dklen: 32, n: choice.n ?? 262144, r: choice.r ?? 8, p: choice.p ?? 1, salt },
          message: '',
        }
      : { function: 'pbkdf2', params: { dklen: 32, c: choice.c ?? 262144, prf: 'hmac-sha256', salt }, message: '' }
  const pw = normalizeKeystorePassword(opts.password)
  const dk = await deriveDecryptionKey(kdf, pw)
  pw.fill(0)
  const iv = opts.rng(16)
  const cipherMessage = aes128Ctr(dk.subarray(0, 16), iv, secret, true)
  const checksum = sha256(concatBytes(dk.subarray(16, 32), cipherMessage))
  dk.fill(0)
  const keystore: KeystoreV4 = {
    crypto: {
      kdf,
      checksum: { function: 'sha256', params: {}, message: toHex(checksum) },
      cipher: { function: 'aes-128-ctr', params: { iv: toHex(iv) }, message: toHex(cipherMessage) },
    },
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    pubkey: toHex(getBls().publicKey(secret)),
    path: opts.path,
    uuid: uuidV4(opts.rng),
    version: 4,
  }
  return keystoreV4Schema.parse(keystore)
}
