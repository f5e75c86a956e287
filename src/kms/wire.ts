/**
 * prpc JSON shapes of kms_rpc.proto (dstack-kms.md §2): snake_case, bytes as lowercase hex without 0x
 * (input may carry 0x), every field defaulted as serde(default) does. zod schemas live here, at the edge.
 */
import { z } from 'zod'
import { fromHex } from '../crypto/index.js'

const MAX_HEX = 4 * 1024 * 1024

/** prpc `bytes`: hex with optional 0x, defaulting to empty. */
export const HexBytes = z
  .string()
  .max(MAX_HEX, 'too long')
  .regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'expected an even-length hex string (optional 0x)')
  .transform((s) => fromHex(s))
  .default('')

const U32 = z.coerce.number().int().min(0).max(0xffffffff)

/** `google.protobuf.Empty`: dstack ignores the body of such methods (it must still be JSON, if any). */
export const EmptyInput = z.unknown().transform(() => ({}))

export const GetAppKeyInput = z.object({
  api_version: U32.default(0),
  vm_config: z
    .string()
    .max(1 << 20)
    .default(''),
})
export const GetKmsKeyInput = z.object({
  vm_config: z
    .string()
    .max(1 << 20)
    .default(''),
})
export const AppIdInput = z.object({ app_id: HexBytes })
export const SignCertInput = z.object({
  api_version: U32.default(0),
  csr: HexBytes,
  signature: HexBytes,
  vm_config: z
    .string()
    .max(1 << 20)
    .default(''),
})
export const BootstrapInput = z.object({ domain: z.string().max(1024).default('') })
export const OnboardInput = z.object({
  source_url: z.string().max(2048).default(''),
  domain: z.string().max(1024).default(''),
})

/** dstack's domain rule for Bootstrap/Onboard: ASCII DNS name, ≤ 253 bytes, labels 1–63 of [A-Za-z0-9-], no edge '-'. */
export function isValidDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > 253) return false
  return domain
    .split('.')
    .every(
      (l) => l.length >= 1 && l.length <= 63 && /^[A-Za-z0-9-]+$/.test(l) && !l.startsWith('-') && !l.endsWith('-'),
    )
}

/** `os_image_hash` from a vm_config JSON string, or undefined when absent/empty. Throws on malformed JSON. */
export function osImageHashOf(vmConfig: string): Uint8Array | undefined {
  if (vmConfig.trim() === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(vmConfig)
  } catch {
    throw new TypeError('vm_config is not valid JSON')
  }
  const v = (parsed as { os_image_hash?: unknown })?.os_image_hash
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string' || !/^(0x)?[0-9a-fA-F]{64}$/.test(v))
    throw new TypeError('vm_config.os_image_hash must be 32 bytes of hex')
  return fromHex(v)
}
