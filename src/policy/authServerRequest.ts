import { z } from 'zod'
import type { Identity, Platform, TcbStatus } from '../attestation/index.js'
import { fromHex } from '../crypto/index.js'
import { normalizeHex } from './staticPolicyConfig.js'
import type { PolicyBootInfo, TeeVariant } from './types.js'

/** Hex of at most `bytes` bytes, 0x optional, '' allowed (dstack sends '' for absent values). */
const hexUpTo = (bytes: number) =>
  z
    .string()
    .max(2 + bytes * 2)
    .regex(new RegExp(`^(0[xX])?([0-9a-fA-F]{2}){0,${bytes}}$`), `expected up to ${bytes} bytes of hex`)
    .transform(normalizeHex)

/**
 * dstack's bootAuth request body as auth-eth accepts it (dstack-kms.md §4.2, §4.3): the six identity
 * fields required, the rest optional, hex with or without 0x, unknown fields dropped. `attestationMode`
 * is the ≤ v0.5.11 name of `teeVariant`.
 */
export const BootAuthRequestSchema = z.object({
  mrAggregated: hexUpTo(32),
  osImageHash: hexUpTo(32),
  appId: hexUpTo(20),
  composeHash: hexUpTo(32),
  instanceId: hexUpTo(20),
  deviceId: hexUpTo(32),
  mrSystem: hexUpTo(32).optional(),
  tcbStatus: z.string().max(64).optional(),
  advisoryIds: z.array(z.string().max(64)).max(1024).optional(),
  keyProviderInfo: z
    .string()
    .max(16 * 1024)
    .regex(/^(0[xX])?([0-9a-fA-F]{2})*$/, 'expected hex')
    .transform(normalizeHex)
    .optional(),
  teeVariant: z.string().max(64).optional(),
  attestationMode: z.string().max(64).optional(),
})
export type BootAuthRequest = z.output<typeof BootAuthRequestSchema>

const KNOWN_VARIANTS: readonly TeeVariant[] = [
  'dstack-tdx',
  'dstack-gcp-tdx',
  'dstack-nitro-enclave',
  'dstack-amd-sev-snp',
  'dstack-aws-nitro-tpm',
  'custos-sgx',
]

/** A validated request as the canonical `PolicyBootInfo` (lowercase hex without 0x, '' for absent values). */
export function bootInfoFromRequest(req: BootAuthRequest): PolicyBootInfo {
  const variant = req.teeVariant ?? req.attestationMode ?? ''
  return {
    teeVariant: (KNOWN_VARIANTS as readonly string[]).includes(variant) ? (variant as TeeVariant) : 'dstack-tdx',
    mrAggregated: req.mrAggregated,
    osImageHash: req.osImageHash,
    mrSystem: req.mrSystem ?? '',
    appId: req.appId,
    composeHash: req.composeHash,
    instanceId: req.instanceId,
    deviceId: req.deviceId,
    keyProviderInfo: req.keyProviderInfo ?? '',
    tcbStatus: req.tcbStatus ?? '',
    advisoryIds: req.advisoryIds ?? [],
  }
}

/** teeVariant → Identity.platform. Identity has no GCP/SNP/NitroTPM platform: the nearest family is used. */
const PLATFORM_OF: Record<TeeVariant, Platform> = {
  'dstack-tdx': 'tdx',
  'dstack-gcp-tdx': 'tdx',
  'dstack-amd-sev-snp': 'tdx',
  'dstack-nitro-enclave': 'nitro',
  'dstack-aws-nitro-tpm': 'nitro',
  'custos-sgx': 'sgx',
}

/**
 * The Identity a `Policy.check` needs, built from boot info received over the webhook. Only the fields
 * dstack sends are meaningful: `debug` is false, `reportData` is zero and `measurements` is empty (no
 * policy backend reads them). `toBootInfo(identityFromBootInfo(b))` gives back `b` (hex normalised), except
 * that teeVariants without their own platform map to the family's variant. Pure.
 */
export function identityFromBootInfo(boot: PolicyBootInfo): Identity {
  const bytes = (s: string) => fromHex(normalizeHex(s))
  return {
    platform: PLATFORM_OF[boot.teeVariant] ?? 'tdx',
    tcbStatus: boot.tcbStatus as TcbStatus,
    advisoryIds: [...boot.advisoryIds],
    debug: false,
    mrAggregated: bytes(boot.mrAggregated),
    mrSystem: bytes(boot.mrSystem),
    osImageHash: bytes(boot.osImageHash),
    composeHash: bytes(boot.composeHash),
    appId: bytes(boot.appId),
    instanceId: bytes(boot.instanceId),
    deviceId: bytes(boot.deviceId),
    keyProviderInfo: bytes(boot.keyProviderInfo),
    reportData: new Uint8Array(64),
    measurements: {},
  }
}
