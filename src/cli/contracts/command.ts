import type { Command } from 'commander'
import { getAddress, zeroHash } from 'viem'
import { custosAppAbi, custosKmsAbi } from '../../chain/index.js'
import { parseAddress, parseBool, parseHash32, parseUint } from './args.js'
import { registerCommitteeCommands } from './committee.js'
import { type ChainCliOptions, kmsAddressOf, openChain, withChainOptions, withSignerOptions } from './context.js'
import { type DeployOptions, deploy } from './deploy.js'
import { ContractsCliError } from './errors.js'
import { formatState } from './format.js'
import { printJson, runWrite } from './run.js'
import { readContractsState } from './state.js'
import { eventOf } from './tx.js'

type ArgKind = 'hash' | 'address' | 'bool' | 'string'

interface WriteSpec {
  name: string
  arg: string
  kind: ArgKind
  fn: string
  help: string
}

/** Owner-only CustosKms writes with one argument. */
const KMS_WRITES: WriteSpec[] = [
  {
    name: 'add-image',
    arg: 'hash',
    kind: 'hash',
    fn: 'addOsImageHash',
    help: 'allow an OS image hash (KMS nodes and apps)',
  },
  { name: 'remove-image', arg: 'hash', kind: 'hash', fn: 'removeOsImageHash', help: 'stop allowing an OS image hash' },
  { name: 'add-kms-mr', arg: 'hash', kind: 'hash', fn: 'addKmsAggregatedMr', help: 'allow a KMS mr_aggregated' },
  {
    name: 'remove-kms-mr',
    arg: 'hash',
    kind: 'hash',
    fn: 'removeKmsAggregatedMr',
    help: 'stop allowing a KMS mr_aggregated',
  },
  { name: 'add-kms-device', arg: 'hash', kind: 'hash', fn: 'addKmsDevice', help: 'allow a device id for KMS nodes' },
  {
    name: 'remove-kms-device',
    arg: 'hash',
    kind: 'hash',
    fn: 'removeKmsDevice',
    help: 'stop allowing a KMS device id',
  },
  {
    name: 'set-kms-allow-any-device',
    arg: 'bool',
    kind: 'bool',
    fn: 'setKmsAllowAnyDevice',
    help: 'KMS nodes may boot on any device (true/false)',
  },
  {
    name: 'add-tcb-status',
    arg: 'status',
    kind: 'string',
    fn: 'addTcbStatus',
    help: 'allow a TCB status for KMS nodes (e.g. SWHardeningNeeded)',
  },
  {
    name: 'remove-tcb-status',
    arg: 'status',
    kind: 'string',
    fn: 'removeTcbStatus',
    help: 'stop allowing a TCB status for KMS nodes',
  },
  {
    name: 'set-gateway-app-id',
    arg: 'id',
    kind: 'string',
    fn: 'setGatewayAppId',
    help: 'set the gateway app id the auth API reports',
  },
  {
    name: 'set-open-app-registration',
    arg: 'bool',
    kind: 'bool',
    fn: 'setOpenAppRegistration',
    help: 'let anyone register apps (true) or only the owner (false)',
  },
  {
    name: 'register-app',
    arg: 'app',
    kind: 'address',
    fn: 'registerApp',
    help: 'register an existing app contract (its address is the app id)',
  },
  { name: 'deregister-app', arg: 'app', kind: 'address', fn: 'deregisterApp', help: 'take an app off the registry' },
]

/** Owner-only CustosApp writes (`--app APP`). */
const APP_WRITES: WriteSpec[] = [
  {
    name: 'add-compose-hash',
    arg: 'hash',
    kind: 'hash',
    fn: 'addComposeHash',
    help: 'allow a compose hash for the app',
  },
  {
    name: 'remove-compose-hash',
    arg: 'hash',
    kind: 'hash',
    fn: 'removeComposeHash',
    help: 'stop allowing a compose hash',
  },
  { name: 'add-device', arg: 'hash', kind: 'hash', fn: 'addDevice', help: 'allow a device id for the app' },
  {
    name: 'remove-device',
    arg: 'hash',
    kind: 'hash',
    fn: 'removeDevice',
    help: 'stop allowing a device id for the app',
  },
  {
    name: 'set-allow-any-device',
    arg: 'bool',
    kind: 'bool',
    fn: 'setAllowAnyDevice',
    help: 'the app may run on any device (true/false)',
  },
  {
    name: 'set-require-tcb-up-to-date',
    arg: 'bool',
    kind: 'bool',
    fn: 'setRequireTcbUpToDate',
    help: 'require TCB status UpToDate for the app (true/false)',
  },
]

function parseArg(kind: ArgKind, value: string, what: string): unknown {
  if (kind === 'hash') return parseHash32(value, what)
  if (kind === 'address') return parseAddress(value, what)
  if (kind === 'bool') return parseBool(value, what)
  return value
}

interface CreateAppOptions extends ChainCliOptions {
  owner?: string
  composeHash?: string
  device?: string
  allowAnyDevice?: boolean
  requireTcbUpToDate?: boolean
}

const collect = (v: string, prev: string[] = []) => [...prev, v]

async function createApp(o: CreateAppOptions): Promise<void> {
  const owner = o.owner ? parseAddress(o.owner, '--owner') : undefined
  const compose = o.composeHash ? parseHash32(o.composeHash, '--compose-hash') : zeroHash
  if (o.device && o.allowAnyDevice) {
    throw new ContractsCliError('CONTRACTS_BAD_ARG', 'pass either --device or --allow-any-device, not both')
  }
  const device = o.device ? parseHash32(o.device, '--device') : zeroHash
  const kms = kmsAddressOf(o)
  await runWrite(
    o,
    (ctx) => ({
      abi: custosKmsAbi,
      address: kms,
      contract: 'CustosKms',
      functionName: 'deployAndRegisterApp',
      args: [owner ?? ctx.account.address, o.requireTcbUpToDate === true, o.allowAnyDevice === true, device, compose],
      what: 'deployAndRegisterApp',
    }),
    (_ctx, r) => {
      const ev = eventOf(custosKmsAbi, r.receipt, 'AppDeployedViaFactory')
      if (!ev) throw new ContractsCliError('CONTRACTS_REFUSED', 'the receipt has no AppDeployedViaFactory event')
      return { appId: getAddress(ev.appId as string) }
    },
  )
}

async function show(o: ChainCliOptions & { fromBlock?: string }): Promise<void> {
  const ctx = await openChain(o)
  const kms = o.kms ? parseAddress(o.kms, '--kms') : ctx.deployment?.kms
  const committee = o.committee ? parseAddress(o.committee, '--committee') : ctx.deployment?.committee
  if (!kms && !committee) {
    throw new ContractsCliError(
      'CONTRACTS_BAD_ARG',
      'nothing to show: pass --deployment FILE, --kms 0x… or --committee 0x…',
    )
  }
  const fromBlock = BigInt(
    o.fromBlock !== undefined ? parseUint(o.fromBlock, '--from-block') : (ctx.deployment?.fromBlock ?? 0),
  )
  const state = await readContractsState(
    ctx.publicClient,
    { ...(kms ? { kms } : {}), ...(committee ? { committee } : {}) },
    fromBlock,
  )
  if (ctx.json) printJson(state)
  else process.stdout.write(formatState(state))
}

/** `custos contracts …`: deploy and govern the Custos contracts (what dstack's seed guides do with hardhat tasks). */
export function registerContractsCommand(program: Command): void {
  const contracts = program
    .command('contracts')
    .description(
      'deploy and govern the Custos contracts (KMS registry, apps, committee) on an EVM chain; the evm policy backend reads them',
    )

  withSignerOptions(
    withChainOptions(
      contracts
        .command('deploy')
        .description('deploy CustosKms (and optionally a CustosCommittee / CustosMultisig); prints the addresses')
        .option('--owner <address>', 'KMS registry owner (default: the multisig if deployed, else the signer)')
        .option('--committee-members <file>', 'also deploy a CustosCommittee with these participants (JSON)')
        .option('--threshold <n>', 'committee threshold (more than half the participants)')
        .option('--code-hash <hash>', 'initially allowed committee code hash (repeatable)', collect)
        .option('--multisig-owners <a,b,c>', 'also deploy a CustosMultisig with these owners; it owns the KMS registry')
        .option('--multisig-threshold <k>', 'multisig confirmations needed')
        .option('--out <file>', 'write the deployment JSON here (read back with --deployment)')
        .option('--force', 'overwrite --out if it exists'),
    ),
  ).action((o: DeployOptions) => deploy(o))

  withSignerOptions(
    withChainOptions(
      contracts
        .command('create-app')
        .description('deploy a CustosApp through the KMS registry and register it; prints the app id (its address)')
        .option('--owner <address>', 'app owner (default: the signer)')
        .option('--compose-hash <hash>', 'initially allowed compose hash')
        .option('--device <hash>', 'initially allowed device id')
        .option('--allow-any-device', 'the app may run on any device')
        .option('--require-tcb-up-to-date', 'require TCB status UpToDate'),
    ),
  ).action((o: CreateAppOptions) => createApp(o))

  for (const s of KMS_WRITES) {
    withSignerOptions(
      withChainOptions(
        contracts
          .command(`${s.name} <${s.arg}>`)
          .description(
            `${s.help} (${s.fn === 'registerApp' ? 'anyone while registration is open' : 'CustosKms owner'})`,
          ),
      ),
    ).action((value: string, o: ChainCliOptions) => {
      const arg = parseArg(s.kind, value, s.arg)
      const kms = kmsAddressOf(o)
      return runWrite(o, () => ({
        abi: custosKmsAbi,
        address: kms,
        contract: 'CustosKms',
        functionName: s.fn,
        args: [arg],
        what: `${s.fn}(${String(arg)})`,
      }))
    })
  }

  for (const s of APP_WRITES) {
    withSignerOptions(
      withChainOptions(
        contracts
          .command(`${s.name} <${s.arg}>`)
          .description(`${s.help} (app owner)`)
          .requiredOption('--app <address>', 'the app id (the CustosApp address)'),
      ),
    ).action((value: string, o: ChainCliOptions & { app: string }) => {
      const arg = parseArg(s.kind, value, s.arg)
      const app = parseAddress(o.app, '--app')
      return runWrite(o, () => ({
        abi: custosAppAbi,
        address: app,
        contract: 'app contract',
        functionName: s.fn,
        args: [arg],
        what: `${s.fn}(${String(arg)}) on app ${app}`,
      }))
    })
  }

  withChainOptions(
    contracts
      .command('show')
      .description('the whole on-chain state: allow-lists, apps, committee, pending votes (table, or --json)')
      .option('--from-block <n>', 'read events from this block (default: the deployment file, else 0)'),
  ).action((o: ChainCliOptions & { fromBlock?: string }) => show(o))

  registerCommitteeCommands(contracts)
}
