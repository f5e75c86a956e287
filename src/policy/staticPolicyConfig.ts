import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { TCB_STATUSES } from '../attestation/index.js'
import { PolicyError } from './errors.js'

/** Lowercase, without 0x: the form every comparison uses (auth-simple compares case-insensitively). */
export const normalizeHex = (s: string): string =>
  (s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s).toLowerCase()

const hexOf = (bytes: number, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^(0[xX])?[0-9a-fA-F]{${bytes * 2}}$`),
      `expected a ${bytes}-byte ${what} as ${bytes * 2} hex digits (0x optional)`,
    )

const hex32 = (what: string) => hexOf(32, what)
const tcbStatus = z.enum(['', ...TCB_STATUSES], {
  errorMap: () => ({ message: `expected one of ${TCB_STATUSES.join(', ')} or "" (platforms without TCB status)` }),
})
const advisoryId = z.string().regex(/^[A-Z]+-SA-\d+$/, 'expected an advisory id like INTEL-SA-00615')

const AppSchema = z
  .object({
    composeHashes: z.array(hex32('compose hash')).default([]),
    devices: z.array(hex32('device id')).default([]),
    allowAnyDevice: z.boolean().default(false),
  })
  .strict()

const KmsSchema = z
  .object({
    mrAggregated: z.array(hex32('aggregated MR')).default([]),
    devices: z.array(hex32('device id')).default([]),
    allowAnyDevice: z.boolean().default(false),
  })
  .strict()

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/**
 * dstack auth-simple's auth-config.json (dstack-kms.md §4.5), same keys and defaults, validated more
 * strictly: unknown keys, malformed hex and unknown TCB statuses are errors instead of silent misses.
 */
export const StaticPolicySchema = z
  .object({
    gatewayAppId: z.string().default(''),
    kmsContractAddr: z.string().default(ZERO_ADDRESS),
    chainId: z.number().int().nonnegative().default(0),
    appImplementation: z.string().default(ZERO_ADDRESS),
    osImages: z.array(hex32('OS image hash')).default([]),
    allowedTcbStatuses: z.array(tcbStatus).default(['UpToDate']),
    allowedAdvisoryIds: z.array(advisoryId).default([]),
    kms: KmsSchema.default({}),
    apps: z.record(hexOf(20, 'app id'), AppSchema).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, string>()
    for (const id of Object.keys(cfg.apps)) {
      const n = normalizeHex(id)
      const prev = seen.get(n)
      if (prev !== undefined)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['apps', id], message: `same app id as "${prev}"` })
      seen.set(n, id)
    }
  })

export type StaticPolicyConfig = z.output<typeof StaticPolicySchema>
/** What a policy file may contain (every field optional, as in auth-simple). */
export type StaticPolicyInput = z.input<typeof StaticPolicySchema>
export type PolicyFileFormat = 'json' | 'toml'

function pathOf(path: Array<string | number>): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`
  return out === '' ? '(top level)' : out
}

/** zod issues → "apps.0xab….composeHashes[0]: expected …; osImages[1]: …" (first three). */
export function describeZodError(err: z.ZodError): string {
  const parts = err.issues.slice(0, 3).map((i) => `${pathOf(i.path)}: ${i.message}`)
  if (err.issues.length > 3) parts.push(`(${err.issues.length - 3} more)`)
  return parts.join('; ')
}

/** json for `.json`, toml for `.toml`, undefined otherwise. */
export function policyFormatOf(path: string): PolicyFileFormat | undefined {
  const p = path.toLowerCase()
  if (p.endsWith('.json')) return 'json'
  if (p.endsWith('.toml')) return 'toml'
  return undefined
}

/** Validate an already-decoded document. Throws POLICY_FILE_INVALID naming the field. */
export function validateStaticPolicy(doc: unknown): StaticPolicyConfig {
  const r = StaticPolicySchema.safeParse(doc)
  if (!r.success) throw new PolicyError('POLICY_FILE_INVALID', describeZodError(r.error))
  return r.data
}

/** Parse a policy document (JSON or TOML text, same keys). Pure. */
export function parseStaticPolicy(text: string, format: PolicyFileFormat): StaticPolicyConfig {
  let doc: unknown
  try {
    doc = format === 'json' ? JSON.parse(text) : parseToml(text)
  } catch (e) {
    const first = ((e as Error).message ?? '').split('\n')[0]
    throw new PolicyError('POLICY_FILE_INVALID', `not valid ${format.toUpperCase()}: ${first}`)
  }
  return validateStaticPolicy(doc)
}
