import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { fromHex } from '../crypto/index.js'
import { KNOWN_NETWORKS, type NetworkConfig } from '../signer/index.js'
import { SignerCliError } from './signerErrors.js'

/** Network names `--network` accepts; `custom` needs `--network-config FILE`. */
export const SIGNER_CLI_NETWORKS = ['mainnet', 'hoodi', 'holesky', 'sepolia', 'custom'] as const
export type SignerCliNetworkName = (typeof SIGNER_CLI_NETWORKS)[number]

const hexBytes = (n: number) =>
  z
    .string()
    .regex(new RegExp(`^(0x)?[0-9a-fA-F]{${2 * n}}$`), `expected ${n} bytes as hex (0x optional)`)
    .transform((s) => fromHex(s))

/**
 * A custom network (e.g. ephemery, a devnet) in TOML or JSON: `name`, `genesis_fork_version` (deposits), and for
 * exits `genesis_validators_root` and `capella_fork_version` (EIP-7044 pins exits to Capella). Unknown keys are
 * refused so a typo cannot silently fall back to a default.
 */
const networkConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use letters, digits, "-", "_" or "." (at most 64)')
      .refine((n) => !Object.hasOwn(KNOWN_NETWORKS, n), 'is a built-in network: use --network <name> instead'),
    genesis_fork_version: hexBytes(4),
    genesis_validators_root: hexBytes(32).optional(),
    capella_fork_version: hexBytes(4).optional(),
  })
  .strict()

/** Read and validate a custom network config file (`.toml`, or JSON otherwise). */
export function loadNetworkConfigFile(file: string): NetworkConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new SignerCliError('CLI_BAD_NETWORK_CONFIG', `cannot read network config ${file}`)
  }
  let raw: unknown
  try {
    raw = extname(file).toLowerCase() === '.toml' ? parseToml(text) : JSON.parse(text)
  } catch (e) {
    throw new SignerCliError(
      'CLI_BAD_NETWORK_CONFIG',
      `network config ${file} is not valid ${extname(file).toLowerCase() === '.toml' ? 'TOML' : 'JSON'} (${(e as Error).message.split('\n')[0]})`,
    )
  }
  const parsed = networkConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : 'file'
    throw new SignerCliError(
      'CLI_BAD_NETWORK_CONFIG',
      `network config ${file}: ${where}: ${issue?.message ?? 'invalid'} (fields: name, genesis_fork_version, optional genesis_validators_root, capella_fork_version)`,
    )
  }
  const c = parsed.data
  return {
    name: c.name,
    genesisForkVersion: c.genesis_fork_version,
    ...(c.genesis_validators_root ? { genesisValidatorsRoot: c.genesis_validators_root } : {}),
    ...(c.capella_fork_version ? { capellaForkVersion: c.capella_fork_version } : {}),
  }
}

/** `--network` + `--network-config` → the network's public parameters. */
export function resolveCliNetwork(name: string, configFile: string | undefined): NetworkConfig {
  if (name === 'custom') {
    if (!configFile) {
      throw new SignerCliError('CLI_BAD_OPTION', '--network custom needs --network-config FILE (TOML or JSON)')
    }
    return loadNetworkConfigFile(configFile)
  }
  if (!Object.hasOwn(KNOWN_NETWORKS, name)) {
    throw new SignerCliError(
      'CLI_BAD_OPTION',
      `unknown network "${name}": use ${SIGNER_CLI_NETWORKS.filter((n) => n !== 'custom').join(', ')}, or custom with --network-config FILE`,
    )
  }
  if (configFile) {
    throw new SignerCliError('CLI_BAD_OPTION', `--network-config is only for --network custom (not ${name})`)
  }
  return KNOWN_NETWORKS[name as keyof typeof KNOWN_NETWORKS]
}
