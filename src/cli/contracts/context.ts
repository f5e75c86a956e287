import { type Command, Option } from 'commander'
import {
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { connectChain, localChain } from '../../chain/index.js'
import { type DeploymentFile, parseAddress, parseUint, readDeploymentFile, readPrivateKeyFile } from './args.js'
import { ContractsCliError } from './errors.js'

/** The chain id of Hardhat / Anvil / the in-process local EVM: the only chain where the dev keys are allowed. */
export const LOCAL_CHAIN_ID = 31337
export const DEFAULT_RPC_URL = 'http://127.0.0.1:8545'

export interface ChainCliOptions {
  rpc?: string
  chainId?: string
  deployment?: string
  kms?: string
  committee?: string
  json?: boolean
  privateKeyFile?: string
  devAccount?: string
  yesIKnow?: boolean
  retries?: string
  timeout?: string
}

/** --rpc, --chain-id, --deployment, --kms, --committee, --json, --timeout (every subcommand). */
export function withChainOptions(cmd: Command): Command {
  return cmd
    .option('--rpc <url>', `JSON-RPC URL of the chain (default: the deployment file's, else ${DEFAULT_RPC_URL})`)
    .option(
      '--chain-id <n>',
      `chain id the RPC must report (default: the deployment file's, else ${LOCAL_CHAIN_ID}); a mismatch stops before anything is sent`,
    )
    .option('--deployment <file>', 'deployment JSON written by `custos contracts deploy --out` (contract addresses)')
    .option('--kms <address>', 'CustosKms address (instead of --deployment)')
    .option('--committee <address>', 'CustosCommittee address (instead of --deployment)')
    .option('--json', 'machine-readable output on stdout')
    .option('--timeout <ms>', 'per-request RPC timeout in milliseconds', '10000')
}

/** Signer options (every write). */
export function withSignerOptions(cmd: Command): Command {
  return cmd
    .option('--private-key-file <file>', 'file holding the sending account key (0x + 64 hex)')
    .option('--dev-account <n>', 'use public dev key n (0-9, the Hardhat accounts): local chains only')
    .addOption(new Option('--yes-i-know', 'allow --dev-account / a public dev key on a chain other than 31337'))
    .option('--retries <n>', 'resend on nonce-too-low / underpriced-replacement / not-yet-propagated errors', '3')
}

export interface ChainContext {
  rpcUrl: string
  chainId: number
  chain: Chain
  publicClient: PublicClient<Transport, Chain>
  deployment?: DeploymentFile
  json: boolean
  retries: number
}

export interface WriteContext extends ChainContext {
  wallet: WalletClient<Transport, Chain, Account>
  account: Account
}

/** Parse everything that can be checked offline (throws CONTRACTS_BAD_ARG), then connect and check the chain id. */
export async function openChain(o: ChainCliOptions): Promise<ChainContext> {
  const deployment = o.deployment ? readDeploymentFile(o.deployment) : undefined
  const rpcUrl = o.rpc ?? deployment?.rpcUrl ?? DEFAULT_RPC_URL
  if (!/^https?:\/\//.test(rpcUrl)) {
    throw new ContractsCliError('CONTRACTS_BAD_ARG', `--rpc ${JSON.stringify(rpcUrl)} is not an http(s) URL`)
  }
  const chainId =
    o.chainId !== undefined ? parseUint(o.chainId, '--chain-id', 1) : (deployment?.chainId ?? LOCAL_CHAIN_ID)
  if (deployment && deployment.chainId !== chainId) {
    throw new ContractsCliError(
      'CONTRACTS_REFUSED',
      `--chain-id ${chainId} differs from the deployment file's chain ${deployment.chainId}`,
    )
  }
  const timeoutMs = parseUint(o.timeout ?? '10000', '--timeout', 100, 600_000)
  const retries = parseUint(o.retries ?? '3', '--retries', 0, 20)
  const publicClient = await connectChain({ rpcUrl, chainId, timeoutMs })
  return {
    rpcUrl,
    chainId,
    chain: localChain(chainId, rpcUrl),
    publicClient,
    ...(deployment ? { deployment } : {}),
    json: o.json === true,
    retries,
  }
}

/** Load the signer (before connecting, so a bad key file fails first), then connect and apply the dev-key rule. */
export async function openWriter(o: ChainCliOptions): Promise<WriteContext> {
  if (o.privateKeyFile && o.devAccount !== undefined) {
    throw new ContractsCliError('CONTRACTS_BAD_ARG', 'pass either --private-key-file or --dev-account, not both')
  }
  // the public dev keys live with the dev tooling (devchain/), which `custos start` never loads
  const { DEV_PRIVATE_KEYS } = await import('../../devchain/index.js')
  let key: `0x${string}`
  if (o.privateKeyFile) key = readPrivateKeyFile(o.privateKeyFile)
  else if (o.devAccount !== undefined) key = DEV_PRIVATE_KEYS[parseUint(o.devAccount, '--dev-account', 0, 9)]!
  else {
    throw new ContractsCliError(
      'CONTRACTS_BAD_ARG',
      'this command sends a transaction: pass --private-key-file FILE (or --dev-account N on a local chain)',
    )
  }
  const ctx = await openChain(o)
  const isDevKey = DEV_PRIVATE_KEYS.includes(key)
  if (isDevKey && ctx.chainId !== LOCAL_CHAIN_ID && !o.yesIKnow) {
    throw new ContractsCliError(
      'CONTRACTS_REFUSED',
      `refusing to sign with a public dev key on chain ${ctx.chainId}: anyone can spend from it. Use --private-key-file with your own key, or pass --yes-i-know for a private test chain`,
      { chainId: ctx.chainId },
    )
  }
  const account = privateKeyToAccount(key)
  const wallet = createWalletClient({
    account,
    chain: ctx.chain,
    transport: http(ctx.rpcUrl, { retryCount: 0, timeout: parseUint(o.timeout ?? '10000', '--timeout', 100) }),
    pollingInterval: 250,
  }) as WalletClient<Transport, Chain, Account>
  return { ...ctx, wallet, account }
}

/** The CustosKms address from --kms or the deployment file (validated offline). */
export function kmsAddressOf(o: ChainCliOptions, deployment?: DeploymentFile): Address {
  if (o.kms) return parseAddress(o.kms, '--kms')
  const d = deployment ?? (o.deployment ? readDeploymentFile(o.deployment) : undefined)
  if (d) return d.kms
  throw new ContractsCliError('CONTRACTS_BAD_ARG', 'which CustosKms? pass --deployment FILE or --kms 0x…')
}

/** The CustosCommittee address from --committee or the deployment file. */
export function committeeAddressOf(o: ChainCliOptions, deployment?: DeploymentFile): Address {
  if (o.committee) return parseAddress(o.committee, '--committee')
  const d = deployment ?? (o.deployment ? readDeploymentFile(o.deployment) : undefined)
  if (d?.committee) return d.committee
  throw new ContractsCliError(
    'CONTRACTS_BAD_ARG',
    'which CustosCommittee? pass --deployment FILE (deployed with --committee-members) or --committee 0x…',
  )
}
