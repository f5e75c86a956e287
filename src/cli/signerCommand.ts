import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { toHex } from '../crypto/index.js'
import { CustosError, explain } from '../errors.js'
import type { SlashingStrategy } from '../signer/index.js'
import {
  buildVerifiedDeposits,
  DEFAULT_DEPOSIT_AMOUNT_GWEI,
  type DepositKey,
  generateDevKeys,
  parseAmountGwei,
  withdrawalCredentialsFromOptions,
  writeDepositDataFile,
  writeDevKeystores,
  writeNewFile,
} from './signerDeposit.js'
import { SignerCliError } from './signerErrors.js'
import { exitDomain, parseUint64Option, signVoluntaryExit } from './signerExit.js'
import { interchangeCaseFiles, runInterchangeTests } from './signerInterchangeTest.js'
import { loadKeystoreFile, readPasswordFile } from './signerKeystores.js'
import { resolveCliNetwork, SIGNER_CLI_NETWORKS } from './signerNetwork.js'
import type { WatermarkRepairOptions } from './signerWatermark.js'

const MAX_DEV_KEYS = 100
const rng = (n: number) => new Uint8Array(randomBytes(n))
const out = (l: string) => process.stdout.write(`${l}\n`)
const err = (l: string) => process.stderr.write(`${l}\n`)

interface DepositOptions {
  keystore?: string[]
  passwordFile?: string
  count?: string
  dev?: boolean
  network: string
  networkConfig?: string
  withdrawalAddress?: string
  withdrawalPubkey?: string
  compounding?: boolean
  amountGwei: string
  out: string
}

interface ExitOptions {
  keystore: string
  passwordFile: string
  validatorIndex: string
  epoch: string
  network: string
  networkConfig?: string
  genesisValidatorsRoot?: string
  out?: string
}

const networkHelp = `${SIGNER_CLI_NETWORKS.join('|')} (custom needs --network-config)`
const networkConfigHelp =
  'custom network file, TOML (.toml) or JSON: name, genesis_fork_version, optional genesis_validators_root, capella_fork_version'

/** Output hooks (tests capture them; see test/support/cliIo.ts). */
export interface SignerCommandIo {
  out: (text: string) => void
  err: (text: string) => void
  exitCode: (code: number) => void
}

const processIo: SignerCommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  exitCode: (c) => {
    process.exitCode = c
  },
}

/**
 * `custos signer …`: EIP-3076 conformance run, deposit data, pre-signed voluntary exits and the offline high
 * watermark repair. `io` is used by `watermark-repair` (the others write to the process streams).
 */
export function registerSignerCommand(program: Command, io: SignerCommandIo = processIo): void {
  const signer = program
    .command('signer')
    .description(
      'validator remote signer tools: EIP-3076 conformance, deposit_data.json, pre-signed exits, high watermark',
    )

  signer
    .command('interchange-test')
    .description('run every EIP-3076 slashing-protection test case in DIR against the real slashing-protection store')
    .argument('<dir>', 'folder of case files, e.g. slashing-protection-interchange-tests/tests/generated')
    .addOption(
      new Option('--strategy <which>', 'slashing-protection strategy to test')
        .choices(['minimal', 'complete', 'both'])
        .default('both'),
    )
    .addHelpText(
      'after',
      '\nEach case runs on a fresh temporary database per strategy. One line per case:\n' +
        '  PASS <name> [minimal, complete]\n  FAIL <name> [<failed strategies>]: <first failure>\n' +
        'then "N passed, N failed", counted per case (a case fails if it fails under any strategy).\n' +
        'Exit status: 0 all passed, 1 some case failed, 2 no test cases in DIR.',
    )
    .action((dir: string, opts: { strategy: 'minimal' | 'complete' | 'both' }) => {
      const strategies: SlashingStrategy[] = opts.strategy === 'both' ? ['minimal', 'complete'] : [opts.strategy]
      let files: string[]
      try {
        files = interchangeCaseFiles(dir)
      } catch (e) {
        if (e instanceof SignerCliError && e.code === 'CLI_NO_TEST_CASES') {
          err(`error: ${e.shortMessage}`)
          process.exitCode = 2
          return
        }
        throw e
      }
      const summary = runInterchangeTests(files, strategies, out)
      if (summary.failed > 0) process.exitCode = 1
    })

  signer
    .command('deposit')
    .description('sign deposits and write deposit_data-<unix seconds>.json exactly as the official deposit CLI does')
    .option('--keystore <file...>', 'EIP-2335 keystore(s) of the validator keys')
    .option('--password-file <file>', 'file holding the keystore password (one trailing newline is ignored)')
    .option('--count <n>', `DEV ONLY (needs --dev): generate n keys in this process (1–${MAX_DEV_KEYS})`)
    .option(
      '--dev',
      'allow --count: keys generated outside a TEE are INSECURE; a production node generates keys inside its TEE',
    )
    .requiredOption('--network <name>', networkHelp)
    .option('--network-config <file>', networkConfigHelp)
    .option('--withdrawal-address <0x…>', 'execution withdrawal address (0x01 credentials; 0x02 with --compounding)')
    .option('--compounding', 'with --withdrawal-address: 0x02 compounding credentials (EIP-7251)')
    .option('--withdrawal-pubkey <0x…>', 'BLS withdrawal public key (0x00 credentials)')
    .option('--amount-gwei <gwei>', 'deposit amount per validator', String(DEFAULT_DEPOSIT_AMOUNT_GWEI))
    .option('--out <dir>', 'output folder', '.')
    .addHelpText(
      'after',
      '\nEvery entry is re-verified (deposit_message_root, deposit_data_root, signature under the genesis\n' +
        'fork version deposit domain) before the file is written. Passwords are never printed.',
    )
    .action(async (opts: DepositOptions) => depositAction(opts))

  signer
    .command('exit')
    .description(
      'pre-sign a voluntary exit (EIP-7044: Capella fork version domain) as beacon API SignedVoluntaryExit JSON',
    )
    .requiredOption('--keystore <file>', 'EIP-2335 keystore of the validator key')
    .requiredOption('--password-file <file>', 'file holding the keystore password (one trailing newline is ignored)')
    .requiredOption('--validator-index <n>', 'the validator index on the beacon chain')
    .requiredOption('--epoch <e>', 'earliest epoch the exit is valid from')
    .requiredOption('--network <name>', networkHelp)
    .option('--network-config <file>', networkConfigHelp)
    .option('--genesis-validators-root <0x…>', 'for custom networks (must match for built-in ones)')
    .option('--out <file>', 'write the JSON here (never overwrites) instead of to stdout')
    .action(async (opts: ExitOptions) => exitAction(opts))

  signer
    .command('watermark-repair')
    .description(
      "set or remove the signer's high watermark in the node's sealed store, offline (Web3Signer watermark-repair)",
    )
    .requiredOption('--home <dir>', 'node home directory (holds custos.toml); the node must not be running')
    .option('--dev', 'allow the INSECURE simulated TEE')
    .option(
      '--set-high-watermark [bool]',
      'set the high watermark to --epoch and --slot: blocks at or past the slot and attestations with source or target at or past the epoch are refused',
    )
    .option('--remove-high-watermark [bool]', 'remove the high watermark')
    .option('--epoch <n>', 'with --set-high-watermark: the epoch ceiling')
    .option('--slot <n>', 'with --set-high-watermark: the slot ceiling')
    .addHelpText(
      'after',
      '\nThe high watermark applies to every key. It must be above every imported low watermark (such a key could\n' +
        'never sign again). The node reads it at each slashing-protection commit; GET /api/v1/eth2/highWatermark\n' +
        'shows it. Exit status: 0 done, 1 refused (bad options, node running, invalid watermark).',
    )
    .action(async (opts: WatermarkRepairOptions) => {
      try {
        const { highWatermarkJson, watermarkRepair } = await import('./signerWatermark.js')
        const r = await watermarkRepair(opts)
        const show = (hw: Parameters<typeof highWatermarkJson>[0]) => JSON.stringify(highWatermarkJson(hw))
        if (r.action === 'set') io.out(`high watermark set: ${show(r.after)} (before: ${show(r.before)})\n`)
        else if (r.before) io.out(`high watermark removed: {} (before: ${show(r.before)})\n`)
        else io.out('no high watermark was set: {}\n')
        io.exitCode(0)
      } catch (e) {
        io.err(`error: ${describeError(e)}\n`)
        io.exitCode(1)
      }
    })
}

/** A refusal's message; for an invalid high watermark also the low watermark it ran into (numbers only). */
function describeError(e: unknown): string {
  if (!(e instanceof CustosError)) return e instanceof Error ? e.message : String(e)
  const meta = Object.entries(e.meta).map(([k, v]) => `${k} ${v}`)
  return e.code === 'SIGNER_HIGH_WATERMARK_INVALID' && meta.length > 0
    ? `${explain(e)} (${meta.join(', ')})`
    : explain(e)
}

async function depositAction(opts: DepositOptions): Promise<void> {
  const network = resolveCliNetwork(opts.network, opts.networkConfig)
  const wc = withdrawalCredentialsFromOptions(opts)
  const amountGwei = parseAmountGwei(opts.amountGwei)
  const haveKeystores = (opts.keystore?.length ?? 0) > 0
  if (haveKeystores === (opts.count !== undefined)) {
    throw new SignerCliError('CLI_BAD_OPTION', 'pass either --keystore FILE... or --dev --count N')
  }
  if (!opts.passwordFile) {
    throw new SignerCliError(
      'CLI_BAD_OPTION',
      haveKeystores
        ? '--password-file is required to decrypt the keystores'
        : '--password-file is required to encrypt the generated keystores',
    )
  }
  const password = readPasswordFile(opts.passwordFile)
  let count = 0
  if (!haveKeystores) {
    if (!opts.dev) {
      throw new SignerCliError(
        'CLI_BAD_OPTION',
        '--count needs --dev: keys generated here are outside any TEE (production nodes generate keys inside the TEE)',
      )
    }
    count = Number(opts.count)
    if (!/^[0-9]+$/.test(opts.count as string) || count < 1 || count > MAX_DEV_KEYS) {
      throw new SignerCliError('CLI_BAD_OPTION', `--count must be an integer from 1 to ${MAX_DEV_KEYS}`)
    }
    if (network.name === 'mainnet') {
      throw new SignerCliError('CLI_BAD_OPTION', '--dev --count is refused on mainnet: use keys generated inside a TEE')
    }
  }
  const keys: DepositKey[] = []
  try {
    if (haveKeystores) {
      for (const file of opts.keystore as string[]) {
        const ks = await loadKeystoreFile(file, password)
        keys.push({ secretKey: ks.secretKey, publicKey: ks.publicKey, source: file })
      }
    } else {
      err('WARNING: --dev: generating validator keys OUTSIDE a TEE (INSECURE, for development and tests only)')
      keys.push(...generateDevKeys(count, rng))
    }
    const data = buildVerifiedDeposits(keys, network, wc, amountGwei)
    const nowMs = Date.now()
    const outDir = resolve(opts.out)
    const keystoreFiles = haveKeystores ? [] : await writeDevKeystores({ keys, password, outDir, nowMs, rng })
    const file = writeDepositDataFile(outDir, data, nowMs)
    out(`network: ${network.name} (genesis fork version 0x${toHex(network.genesisForkVersion)})`)
    out(`validators: ${data.length}, ${amountGwei} gwei each, withdrawal credentials 0x${toHex(wc)}`)
    for (const d of data) out(`  0x${d.pubkey}`)
    for (const k of keystoreFiles) out(`wrote ${k}`)
    out(`wrote ${file}`)
  } finally {
    for (const k of keys) k.secretKey.wipe()
  }
}

async function exitAction(opts: ExitOptions): Promise<void> {
  const network = resolveCliNetwork(opts.network, opts.networkConfig)
  const domain = exitDomain(network, opts.genesisValidatorsRoot)
  const epoch = parseUint64Option(opts.epoch, '--epoch')
  const validatorIndex = parseUint64Option(opts.validatorIndex, '--validator-index')
  const ks = await loadKeystoreFile(opts.keystore, readPasswordFile(opts.passwordFile))
  let body: string
  try {
    body = `${JSON.stringify(signVoluntaryExit(ks.secretKey, domain, epoch, validatorIndex))}\n`
  } catch (e) {
    if (e instanceof CustosError) throw new SignerCliError('CLI_BAD_OPTION', e.shortMessage, {}, { cause: e })
    throw e
  } finally {
    ks.secretKey.wipe()
  }
  const note = `signed voluntary exit of validator ${validatorIndex} (0x${toHex(ks.publicKey)}) at epoch ${epoch} on ${network.name}; anyone holding it can exit the validator — store it safely`
  if (opts.out) {
    const file = resolve(opts.out)
    writeNewFile(file, body, 0o600)
    out(note)
    out(`wrote ${file}`)
  } else {
    process.stdout.write(body)
    err(note)
  }
}
