import type { Command } from 'commander'
import { CustosError, explain } from '../errors.js'
import {
  chainKeysToJson,
  type DerivedChainKeys,
  deriveChainKeys,
  MpcError,
  parseRootKey,
  SCHEMES,
  type SchemeId,
} from '../mpc/index.js'

/** Where the command writes; tests pass their own. */
export interface MpcIo {
  out(text: string): void
  err(text: string): void
  exitCode(code: number): void
}

const processIo: MpcIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  exitCode: (c) => {
    process.exitCode = c
  },
}

interface DeriveOpts {
  root: string
  predecessor: string
  path: string
  scheme?: string
  json?: boolean
}

/** `--scheme` value, case-insensitive; undefined when not given. */
function schemeOption(value: string | undefined): SchemeId | undefined {
  if (value === undefined) return undefined
  const s = SCHEMES.find((x) => x.toLowerCase() === value.toLowerCase())
  if (!s) throw new MpcError('MPC_UNKNOWN_SCHEME', `--scheme must be one of ${SCHEMES.join(', ')}`)
  return s
}

function text(k: DerivedChainKeys, o: DeriveOpts): string {
  const j = chainKeysToJson(k)
  const rows: Array<[string, string]> = [
    ['scheme', k.scheme],
    ['predecessor', o.predecessor],
    ['path', JSON.stringify(o.path)],
    ['tweak', String(j['tweak'])],
  ]
  switch (k.scheme) {
    case 'Ed25519':
      rows.push(
        ['public key', String(j['public_key'])],
        ['NEAR public key', k.nearPublicKey],
        ['Solana address', k.solanaAddress],
      )
      break
    case 'Secp256k1Frost':
      rows.push(
        ['public key (uncompressed)', String(j['public_key_uncompressed'])],
        ['public key (compressed)', String(j['public_key_compressed'])],
        ['NEAR public key', k.nearPublicKey],
        ['EVM address', k.evmAddress],
        ['Bitcoin P2WPKH (mainnet)', k.bitcoinP2wpkh.mainnet],
        ['Bitcoin P2WPKH (testnet)', k.bitcoinP2wpkh.testnet],
      )
      break
    case 'Bip340':
      rows.push(
        ['public key (x-only)', String(j['public_key_x_only'])],
        ['Bitcoin P2TR (mainnet)', k.bitcoinP2tr.mainnet],
        ['Bitcoin P2TR (testnet)', k.bitcoinP2tr.testnet],
      )
      break
  }
  const width = Math.max(...rows.map(([name]) => name.length)) + 2
  return rows.map(([name, value]) => `${`${name}:`.padEnd(width)}${value}\n`).join('')
}

/**
 * `custos mpc`: threshold-committee tools. `derive` computes, offline, the key and addresses that
 * (root, predecessor, path) gets under NEAR's chain-signature derivation (near-mpc.md §2, §7).
 */
export function registerMpcCommand(program: Command, io: MpcIo = processIo): void {
  const mpc = program
    .command('mpc')
    .description('threshold-signing committee tools (derive: chain-signature keys and addresses, offline)')
  mpc
    .command('derive')
    .description(
      'print the derived public key, NEAR key string and EVM / Bitcoin / Solana addresses of a predecessor and path under a root key, without contacting any node',
    )
    .requiredOption(
      '--root <key>',
      'root public key: NEAR key string (ed25519:… / secp256k1:…) or hex (32, 33, 64 or 65 bytes)',
    )
    .requiredOption(
      '--predecessor <account>',
      'the account the key is derived for (NEAR predecessor, or app:<app_id hex>)',
    )
    .requiredOption('--path <path>', 'derivation path (may be "")')
    .option('--scheme <scheme>', `${SCHEMES.join(' | ')} (default: Ed25519 for ed25519 roots, else Secp256k1Frost)`)
    .option('--json', 'print one JSON object')
    .action((opts: DeriveOpts) => {
      try {
        const root = parseRootKey(opts.root, schemeOption(opts.scheme))
        const keys = deriveChainKeys(root.scheme, root.publicKey, opts.predecessor, opts.path)
        io.out(
          opts.json
            ? `${JSON.stringify({ ...chainKeysToJson(keys), root: opts.root, predecessor: opts.predecessor, path: opts.path })}\n`
            : text(keys, opts),
        )
        io.exitCode(0)
      } catch (e) {
        if (!(e instanceof CustosError)) throw e
        io.err(`error: ${explain(e)}\n`)
        io.exitCode(1)
      }
    })
}
