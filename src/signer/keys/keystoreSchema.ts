import { z } from 'zod'

/**
 * EIP-2335 (keystore v4) JSON, ethereum/ERCs ERCS/erc-2335.md. Hex fields carry no 0x in the standard; a 0x
 * prefix is tolerated on read. The schema checks the shape; how much memory and work the KDF may cost is
 * `kdfLimitViolation`'s job (limits below), checked before any KDF runs.
 */
const hex = z.string().regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'expected hex')

/**
 * KDF limits: what EIP-2335 tools write, and no more. staking-deposit-cli, ethdo, Lighthouse, Teku, Prysm and
 * Nimbus all use scrypt n = 2^18, r = 8, p = 1 or pbkdf2 c = 2^18 (the EIP's own test vectors).
 *
 * - scrypt memory is 128·n·r bytes per lane and an implementation may run the p lanes in parallel, so the bound is
 *   128·n·r·p ≤ 256 MiB, exactly the standard's cost. Its work (salsa20/8 core calls) is proportional to n·r·p
 *   too, so the same bound caps time at about one standard keystore (~1 s); the previous schema allowed
 *   r ≤ 32, p ≤ 16 at n = 2^20: 4 GiB and 256× the standard work per keystore.
 * - pbkdf2-hmac-sha256 needs no memory; c ≤ 2^18 iterations is the standard (~0.5 s).
 *
 * An import request runs its keystores one after the other (at most [signer.keymanager] max_keystores of them),
 * so a request never holds more than one KDF's memory and costs at most max_keystores standard KDF runs.
 */
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024
/** n·r·p ≤ 2^21 (= 2^18 · 8 · 1), the same bound as 128·n·r·p ≤ MAX_SCRYPT_MEMORY_BYTES. */
export const MAX_SCRYPT_WORK = MAX_SCRYPT_MEMORY_BYTES / 128
export const MAX_PBKDF2_C = 2 ** 18

/** Why `kdf` costs more than the limits allow (our own text, naming the parameter and the limit), or undefined. */
export function kdfLimitViolation(kdf: KeystoreKdf): { param: string; limit: number; message: string } | undefined {
  if (kdf.function === 'pbkdf2') {
    const { c } = kdf.params
    if (c <= MAX_PBKDF2_C) return undefined
    return {
      param: 'crypto.kdf.params.c',
      limit: MAX_PBKDF2_C,
      message:
        `pbkdf2 c = ${c} is above the limit of ${MAX_PBKDF2_C} iterations; EIP-2335 tools use c = ${MAX_PBKDF2_C}: ` +
        're-encrypt the keystore with standard parameters',
    }
  }
  const { n, r, p } = kdf.params
  if (n * r * p <= MAX_SCRYPT_WORK) return undefined
  const mib = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MiB`
  return {
    param: 'crypto.kdf.params.n·r·p',
    limit: MAX_SCRYPT_WORK,
    message:
      `scrypt n = ${n}, r = ${r}, p = ${p} needs 128·n·r·p = ${mib(128 * n * r * p)} of memory, above the limit of ` +
      `${mib(MAX_SCRYPT_MEMORY_BYTES)} (n·r·p ≤ ${MAX_SCRYPT_WORK}); EIP-2335 tools use n = 262144, r = 8, p = 1: ` +
      're-encrypt the keystore with standard parameters',
  }
}

// Shape only: the caps here just keep the arithmetic exact; the cost limits are kdfLimitViolation's.
const scryptParams = z
  .object({
    dklen: z.literal(32),
    n: z
      .number()
      .int()
      .min(2)
      .max(2 ** 30)
      .refine((n) => (n & (n - 1)) === 0, 'scrypt n must be a power of two'),
    r: z
      .number()
      .int()
      .min(1)
      .max(2 ** 20),
    p: z
      .number()
      .int()
      .min(1)
      .max(2 ** 20),
    salt: hex,
  })
  .strict()

const pbkdf2Params = z
  .object({
    dklen: z.literal(32),
    c: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    prf: z.literal('hmac-sha256'),
    salt: hex,
  })
  .strict()

const kdfModule = z.discriminatedUnion('function', [
  z.object({ function: z.literal('scrypt'), params: scryptParams, message: z.string() }),
  z.object({ function: z.literal('pbkdf2'), params: pbkdf2Params, message: z.string() }),
])

export const keystoreV4Schema = z.object({
  crypto: z.object({
    kdf: kdfModule,
    checksum: z.object({
      function: z.literal('sha256'),
      params: z.object({}).strict(),
      message: hex.refine((h) => h.replace(/^0x/, '').length === 64, 'checksum must be 32 bytes'),
    }),
    cipher: z.object({
      function: z.literal('aes-128-ctr'),
      params: z.object({ iv: hex.refine((h) => h.replace(/^0x/, '').length === 32, 'iv must be 16 bytes') }).strict(),
      message: hex.refine((h) => h.replace(/^0x/, '').length === 64, 'a BLS secret is 32 bytes'),
    }),
  }),
  description: z.string().optional(),
  pubkey: hex.refine((h) => h.replace(/^0x/, '').length === 96, 'pubkey must be 48 bytes').optional(),
  path: z.string(),
  uuid: z.string().uuid(),
  version: z.literal(4),
})

export type KeystoreV4 = z.infer<typeof keystoreV4Schema>
export type KeystoreKdf = KeystoreV4['crypto']['kdf']
