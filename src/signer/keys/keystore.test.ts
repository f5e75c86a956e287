import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import {
  EIP2335_PASSWORD as PASSWORD,
  EIP2335_PBKDF2_KEYSTORE as PBKDF2_VECTOR,
  EIP2335_PUBKEY as PUBKEY,
  EIP2335_SCRYPT_KEYSTORE as SCRYPT_VECTOR,
  EIP2335_SECRET as SECRET,
} from '../../../test/support/eip2335.js'
import { concatBytes, fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import type { SignerError } from '../errors.js'
import { decryptKeystore, encryptKeystore, normalizeKeystorePassword, parseKeystore } from './keystore.js'
import { MAX_PBKDF2_C, MAX_SCRYPT_MEMORY_BYTES } from './keystoreSchema.js'

// EIP-2335 "Test Cases" (ethereum/ERCs ERCS/erc-2335.md); the same files are staking-deposit-cli
// tests/test_key_handling/keystore_test_vectors/test0.json (pbkdf2) and test1.json (scrypt) at HEAD 948d3fc.

/** Deterministic rng that hands out the given chunks in order, then counter bytes. */
function scriptedRng(...chunks: string[]): (n: number) => Uint8Array {
  let i = 0
  return (n) => {
    const c = chunks.shift()
    if (c !== undefined) return fromHex(c)
    return new Uint8Array(n).fill(++i)
  }
}

async function expectCode(p: Promise<unknown>, code: string): Promise<SignerError> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as SignerError
  expect(err?.code).toBe(code)
  expect(err.status).toBe(400)
  return err
}

const fastKdf = { function: 'pbkdf2', c: 16 } as const

describe('EIP-2335 official vectors', () => {
  it('password normalisation gives the EIP encoding', () => {
    expect(toHex(normalizeKeystorePassword(PASSWORD))).toBe('7465737470617373776f7264f09f9491')
  })

  it('decrypts the scrypt vector (n = 2^18)', async () => {
    const out = await decryptKeystore(JSON.stringify(SCRYPT_VECTOR), PASSWORD)
    expect(toHex(out.secretKey.expose())).toBe(SECRET)
    expect(toHex(out.publicKey)).toBe(PUBKEY)
    expect(out.path).toBe('m/12381/60/3141592653/589793238')
  })

  it('decrypts the pbkdf2 vector and re-encrypts it byte for byte', async () => {
    const out = await decryptKeystore(PBKDF2_VECTOR, PASSWORD)
    expect(toHex(out.secretKey.expose())).toBe(SECRET)
    const ks = await encryptKeystore({
      secretKey: out.secretKey,
      password: PASSWORD,
      path: PBKDF2_VECTOR.path,
      kdf: { function: 'pbkdf2' },
      rng: scriptedRng(PBKDF2_VECTOR.crypto.kdf.params.salt, PBKDF2_VECTOR.crypto.cipher.params.iv),
    })
    expect(ks.crypto).toEqual(PBKDF2_VECTOR.crypto)
    expect(ks.pubkey).toBe(PUBKEY)
  })
})

describe('keystore round trip and errors', () => {
  const secretKey = new SecretBytes(fromHex(SECRET))

  it('round-trips with scrypt and pbkdf2 and generates a v4 uuid', async () => {
    for (const kdf of [{ function: 'scrypt', n: 1024 } as const, fastKdf]) {
      const ks = await encryptKeystore({ secretKey, password: 'pässword', path: '', kdf, rng: scriptedRng() })
      expect(ks.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      const out = await decryptKeystore(JSON.stringify(ks), 'pa\u0308ssword') // NFKD-equal spelling
      expect(toHex(out.secretKey.expose())).toBe(SECRET)
    }
  })

  it('strips control characters from passwords but keeps spaces', () => {
    expect(new TextDecoder().decode(normalizeKeystorePassword('a\u0000b\u007fc\u0085d e\n'))).toBe('abcd e')
  })

  it('wrong password → SIGNER_BAD_KEYSTORE_PASSWORD', async () => {
    const ks = await encryptKeystore({ secretKey, password: 'right', path: '', kdf: fastKdf, rng: scriptedRng() })
    const err = await expectCode(decryptKeystore(ks, 'wrong'), 'SIGNER_BAD_KEYSTORE_PASSWORD')
    expect(err.message).not.toContain('right')
  })

  it('malformed keystores → SIGNER_BAD_KEYSTORE', async () => {
    const good = await encryptKeystore({ secretKey, password: 'pw', path: '', kdf: fastKdf, rng: scriptedRng() })
    // set a dotted path in a deep copy of the good keystore (undefined deletes the field)
    const mutate = (path: string, value: unknown): unknown => {
      const k = structuredClone(good) as unknown as Record<string, unknown>
      const keys = path.split('.')
      let o = k
      for (const key of keys.slice(0, -1)) o = o[key] as Record<string, unknown>
      const last = keys[keys.length - 1] as string
      if (value === undefined) delete o[last]
      else o[last] = value
      return k
    }
    const bad: unknown[] = [
      '{not json',
      'null',
      {},
      mutate('version', 3),
      mutate('crypto', undefined),
      mutate('crypto.cipher.function', 'aes-256-gcm'),
      mutate('crypto.cipher.message', 'zz'.repeat(32)),
      mutate('crypto.cipher.message', 'ab'.repeat(31)),
      mutate('crypto.kdf', { function: 'scrypt', params: { dklen: 32, n: 1000, r: 8, p: 1, salt: '00' }, message: '' }),
      mutate('crypto.kdf', {
        function: 'scrypt',
        params: { dklen: 32, n: 2 ** 31, r: 8, p: 1, salt: '00' },
        message: '',
      }),
      mutate('crypto.kdf.params.prf', 'hmac-sha512'),
      mutate('uuid', 'not-a-uuid'),
      mutate('pubkey', PUBKEY.replace(/^96/, '97')), // decrypts fine but names another key
    ]
    for (const input of bad) await expectCode(decryptKeystore(input, 'pw'), 'SIGNER_BAD_KEYSTORE')
    await expectCode(
      Promise.resolve().then(() => parseKeystore('[]')),
      'SIGNER_BAD_KEYSTORE',
    )
  })

  it('a keystore holding a zero or out-of-range secret → SIGNER_BAD_KEYSTORE', async () => {
    const salt = fromHex('11'.repeat(32))
    const iv = fromHex('22'.repeat(16))
    for (const secretHex of ['00'.repeat(32), 'ff'.repeat(32)]) {
      const dk = pbkdf2(sha256, normalizeKeystorePassword('pw'), salt, { c: 1, dkLen: 32 })
      const { createCipheriv } = await import('node:crypto')
      const c = createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv)
      const msg = new Uint8Array(Buffer.concat([c.update(fromHex(secretHex)), c.final()]))
      const ks = {
        crypto: {
          kdf: { function: 'pbkdf2', params: { dklen: 32, c: 1, prf: 'hmac-sha256', salt: toHex(salt) }, message: '' },
          checksum: { function: 'sha256', params: {}, message: toHex(sha256(concatBytes(dk.subarray(16), msg))) },
          cipher: { function: 'aes-128-ctr', params: { iv: toHex(iv) }, message: toHex(msg) },
        },
        path: '',
        uuid: '64625def-3331-4eea-ab6f-782f3ed16a83',
        version: 4,
      }
      await expectCode(decryptKeystore(ks, 'pw'), 'SIGNER_BAD_KEYSTORE')
    }
  })
})

describe('KDF cost limits (what EIP-2335 tools write: scrypt n = 2^18, r = 8, p = 1; pbkdf2 c = 2^18)', () => {
  const withKdf = (kdf: unknown) => ({ ...structuredClone(SCRYPT_VECTOR), crypto: { ...SCRYPT_VECTOR.crypto, kdf } })
  const scrypt = (n: number, r: number, p: number) =>
    withKdf({ function: 'scrypt', params: { dklen: 32, n, r, p, salt: '00'.repeat(32) }, message: '' })
  const pbkdf2 = (c: number) =>
    withKdf({ function: 'pbkdf2', params: { dklen: 32, c, prf: 'hmac-sha256', salt: '00'.repeat(32) }, message: '' })

  it('bounds scrypt memory 128·n·r·p to 256 MiB and pbkdf2 c to 2^18', () => {
    expect(MAX_SCRYPT_MEMORY_BYTES).toBe(128 * 2 ** 18 * 8 * 1)
    expect(MAX_PBKDF2_C).toBe(2 ** 18)
    // the standard parameters and cheaper ones parse (no KDF runs in parseKeystore)
    for (const ks of [scrypt(2 ** 18, 8, 1), scrypt(2 ** 16, 32, 1), scrypt(1024, 8, 4), pbkdf2(2 ** 18), pbkdf2(1)])
      expect(() => parseKeystore(ks)).not.toThrow()
  })

  it('refuses more with SIGNER_KEYSTORE_KDF_LIMIT (400) naming the parameter and the limit', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [scrypt(2 ** 18, 8, 2), 'crypto.kdf.params.n·r·p', /scrypt n = 262144, r = 8, p = 2 needs 128·n·r·p = 512 MiB/],
      [scrypt(2 ** 20, 32, 16), 'crypto.kdf.params.n·r·p', /= 65536 MiB of memory, above the limit of 256 MiB/],
      [scrypt(2 ** 19, 8, 1), 'crypto.kdf.params.n·r·p', /n·r·p ≤ 2097152/],
      [scrypt(2 ** 30, 8, 1), 'crypto.kdf.params.n·r·p', /above the limit of 256 MiB/],
      [pbkdf2(2 ** 18 + 1), 'crypto.kdf.params.c', /pbkdf2 c = 262145 is above the limit of 262144 iterations/],
      [pbkdf2(2 ** 22), 'crypto.kdf.params.c', /c = 4194304 is above the limit/],
    ]
    for (const [ks, param, message] of cases) {
      let err: SignerError | undefined
      try {
        parseKeystore(ks)
      } catch (e) {
        err = e as SignerError
      }
      expect(err?.code).toBe('SIGNER_KEYSTORE_KDF_LIMIT')
      expect(err?.status).toBe(400)
      expect(err?.meta.param).toBe(param)
      expect(err?.shortMessage).toMatch(message)
      expect(err?.shortMessage).toMatch(/re-encrypt the keystore with standard parameters$/)
      // decryptKeystore refuses before running the KDF (these would take seconds and up to 4 GiB)
      await expectCode(decryptKeystore(ks, 'pw'), 'SIGNER_KEYSTORE_KDF_LIMIT')
    }
  })

  it('never writes a keystore above the limits', async () => {
    const secretKey = new SecretBytes(fromHex(SECRET))
    const rng = scriptedRng()
    await expectCode(
      encryptKeystore({ secretKey, password: 'pw', path: '', kdf: { function: 'scrypt', p: 2 }, rng }),
      'SIGNER_KEYSTORE_KDF_LIMIT',
    )
    await expectCode(
      encryptKeystore({ secretKey, password: 'pw', path: '', kdf: { function: 'pbkdf2', c: 2 ** 19 }, rng }),
      'SIGNER_KEYSTORE_KDF_LIMIT',
    )
  })
})
