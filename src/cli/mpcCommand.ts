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
    .description(
      'threshold-signing committee: derive (offline), node-key, status, public-key, sign (against a node API)',
    )
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

  const fail = (e: unknown) => {
    io.err(`error: ${e instanceof CustosError ? explain(e) : e instanceof Error ? e.message : String(e)}\n`)
    io.exitCode(1)
  }
  const getJson = async (url: string, init?: RequestInit): Promise<unknown> => {
    const r = await fetch(url, init)
    const body = (await r.json().catch(() => ({}))) as Record<string, unknown>
    if (!r.ok) throw new Error(`${r.status}: ${String(body.error ?? r.statusText)}`)
    return body
  }
  const base = (u: string) => u.replace(/\/$/, '')
  mpc
    .command('node-key')
    .description(
      "print this node's committee node key (hex Ed25519; generated and sealed on first use) for the committee file",
    )
    .requiredOption('--home <dir>', 'node home directory (holds custos.toml)')
    .option('--dev', 'allow the INSECURE simulated TEE')
    .action(async (opts: { home: string; dev?: boolean }) => {
      try {
        const { committeeNodeKeyOf, loadConfigFile } = await import('../node/index.js')
        const { toHex } = await import('../crypto/index.js')
        const key = await committeeNodeKeyOf(loadConfigFile(opts.home), Boolean(opts.dev))
        io.out(`${toHex(key)}\n`)
        io.exitCode(0)
      } catch (e) {
        fail(e)
      }
    })
  mpc
    .command('status')
    .description("a committee node's state: epoch, members online, domains and keys (GET /mpc/v1/state)")
    .requiredOption('--url <url>', 'the node API, e.g. http://127.0.0.1:8100')
    .action(async (opts: { url: string }) => {
      try {
        io.out(`${JSON.stringify(await getJson(`${base(opts.url)}/mpc/v1/state`), null, 2)}\n`)
        io.exitCode(0)
      } catch (e) {
        fail(e)
      }
    })
  mpc
    .command('public-key')
    .description('the root key of a domain, or with --predecessor the derived key (GET /mpc/v1/[derived_]public_key)')
    .requiredOption('--url <url>', 'the node API, e.g. http://127.0.0.1:8100')
    .option('--domain <id>', 'domain id', '0')
    .option('--predecessor <account>', 'derive for this predecessor')
    .option('--path <path>', 'derivation path', '')
    .action(async (opts: { url: string; domain: string; predecessor?: string; path: string }) => {
      try {
        const q = new URLSearchParams({ domain_id: opts.domain })
        let route = 'public_key'
        if (opts.predecessor !== undefined) {
          route = 'derived_public_key'
          q.set('predecessor', opts.predecessor)
          q.set('path', opts.path)
        }
        io.out(`${JSON.stringify(await getJson(`${base(opts.url)}/mpc/v1/${route}?${q}`))}\n`)
        io.exitCode(0)
      } catch (e) {
        fail(e)
      }
    })
  mpc
    .command('sign')
    .description('ask a committee node for a threshold signature (POST /mpc/v1/sign, NEAR request shape)')
    .requiredOption('--url <url>', 'the node API, e.g. http://127.0.0.1:8100')
    .requiredOption('--payload <hex>', 'Eddsa: the message bytes; Ecdsa (secp256k1 domains): a 32-byte digest')
    .option('--domain <id>', 'domain id', '0')
    .option('--path <path>', 'derivation path', '')
    .option('--ecdsa', 'send the payload as payload_v2.Ecdsa (secp256k1 domains)')
    .option('--token <token>', 'bearer token (default: $CUSTOS_MPC_TOKEN)')
    .action(
      async (opts: { url: string; payload: string; domain: string; path: string; ecdsa?: boolean; token?: string }) => {
        try {
          const token = opts.token ?? process.env.CUSTOS_MPC_TOKEN
          const body = {
            request: {
              path: opts.path,
              payload_v2: opts.ecdsa ? { Ecdsa: opts.payload } : { Eddsa: opts.payload },
              domain_id: Number(opts.domain),
            },
          }
          const out = await getJson(`${base(opts.url)}/mpc/v1/sign`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify(body),
          })
          io.out(`${JSON.stringify(out)}\n`)
          io.exitCode(0)
        } catch (e) {
          fail(e)
        }
      },
    )
}
