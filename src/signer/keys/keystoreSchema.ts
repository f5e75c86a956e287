import { z } from 'zod'

/**
 * EIP-2335 (keystore v4) JSON, ethereum/ERCs ERCS/erc-2335.md. Hex fields carry no 0x in the standard; a 0x
 * prefix is tolerated on read. KDF parameters are bounded so that an imported keystore cannot ask for
 * unbounded memory or time (scrypt n ≤ 2^20 is 1 GiB at r = 8; the standard uses 2^18).
 */
const hex = z.string().regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'expected hex')

export const MAX_SCRYPT_N = 2 ** 20
export const MAX_PBKDF2_C = 2 ** 22

const scryptParams = z
  .object({
    dklen: z.literal(32),
    n: z
      .number()
      .int()
      .min(2)
      .max(MAX_SCRYPT_N)
      .refine((n) => (n & (n - 1)) === 0, 'scrypt n must be a power of two'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: hex,
  })
  .strict()

const pbkdf2Params = z
  .object({
    dklen: z.literal(32),
    c: z.number().int().min(1).max(MAX_PBKDF2_C),
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
