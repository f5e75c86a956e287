import { randomBytes } from 'node:crypto'
import { renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { stringify as stringifyToml } from 'smol-toml'
import { toHex } from '../crypto/index.js'
import { PolicyError } from './errors.js'
import {
  normalizeHex,
  type PolicyFileFormat,
  policyFormatOf,
  type StaticPolicyConfig,
  validateStaticPolicy,
} from './staticPolicyConfig.js'

/** Bytes or hex (0x optional). */
export type HexLike = Uint8Array | string

export interface StaticPolicySpec {
  gatewayAppId?: string
  kmsContractAddr?: string
  chainId?: number
  appImplementation?: string
  osImages?: HexLike[]
  allowedTcbStatuses?: string[]
  allowedAdvisoryIds?: string[]
  kms?: { mrAggregated?: HexLike[]; devices?: HexLike[]; allowAnyDevice?: boolean }
  /** one entry per app; entries with the same appId are merged */
  apps?: Array<{ appId: HexLike; composeHashes?: HexLike[]; devices?: HexLike[]; allowAnyDevice?: boolean }>
}

const hex = (v: HexLike) => (typeof v === 'string' ? normalizeHex(v) : toHex(v))
const uniq = (vs: HexLike[] | undefined) => [...new Set((vs ?? []).map(hex))]

/**
 * Build a validated static policy (auth-simple format, lowercase hex without 0x) that allows exactly the
 * given OS images, KMS measurements and apps. Pure. Throws POLICY_FILE_INVALID naming the bad field.
 */
export function buildStaticPolicy(spec: StaticPolicySpec): StaticPolicyConfig {
  const apps: Record<string, { composeHashes: string[]; devices: string[]; allowAnyDevice: boolean }> = {}
  for (const a of spec.apps ?? []) {
    const id = hex(a.appId)
    const prev = apps[id]
    apps[id] = {
      composeHashes: uniq([...(prev?.composeHashes ?? []), ...(a.composeHashes ?? [])]),
      devices: uniq([...(prev?.devices ?? []), ...(a.devices ?? [])]),
      allowAnyDevice: (prev?.allowAnyDevice ?? false) || (a.allowAnyDevice ?? false),
    }
  }
  return validateStaticPolicy({
    gatewayAppId: spec.gatewayAppId ?? '',
    ...(spec.kmsContractAddr !== undefined ? { kmsContractAddr: spec.kmsContractAddr } : {}),
    ...(spec.chainId !== undefined ? { chainId: spec.chainId } : {}),
    ...(spec.appImplementation !== undefined ? { appImplementation: spec.appImplementation } : {}),
    osImages: uniq(spec.osImages),
    allowedTcbStatuses: spec.allowedTcbStatuses ?? ['UpToDate'],
    allowedAdvisoryIds: spec.allowedAdvisoryIds ?? [],
    kms: {
      mrAggregated: uniq(spec.kms?.mrAggregated),
      devices: uniq(spec.kms?.devices),
      allowAnyDevice: spec.kms?.allowAnyDevice ?? false,
    },
    apps,
  })
}

/** Serialise a policy as JSON (2-space, trailing newline) or TOML with the same keys. */
export function serializeStaticPolicy(config: StaticPolicyConfig, format: PolicyFileFormat): string {
  if (format === 'json') return `${JSON.stringify(config, null, 2)}\n`
  return `# Custos static policy (dstack auth-simple keys)\n${stringifyToml(config)}\n`
}

/**
 * Write a policy file atomically (temp file + rename, mode 0600) in the format its extension names, so a
 * running StaticPolicy never reads half a file. The config is validated first.
 */
export function writeStaticPolicy(path: string, config: StaticPolicyConfig): void {
  const format = policyFormatOf(path)
  if (!format) throw new PolicyError('POLICY_BAD_CONFIG', `policy file ${path} must end in .json or .toml`)
  const text = serializeStaticPolicy(validateStaticPolicy(config), format)
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    writeFileSync(tmp, text, { mode: 0o600 })
    renameSync(tmp, path)
  } catch (e) {
    try {
      unlinkSync(tmp)
    } catch {}
    throw e
  }
}

/** Build and write a policy allowing the given measurements (used by the devnet). */
export function writeExamplePolicy(path: string, spec: StaticPolicySpec): StaticPolicyConfig {
  const config = buildStaticPolicy(spec)
  writeStaticPolicy(path, config)
  return config
}
