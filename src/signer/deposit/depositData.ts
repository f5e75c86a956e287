import { ssz } from '@lodestar/types'
import { equalBytes, fromHex, type SecretBytes, toHex } from '../../crypto/index.js'
import { SignerError } from '../errors.js'
import { getBls } from '../keys/index.js'
import {
  computeDomain,
  computeSigningRoot,
  DOMAIN_DEPOSIT,
  exactUint64,
  isKnownNetwork,
  KNOWN_NETWORKS,
  type NetworkConfig,
  ZERO_ROOT,
} from '../signing/index.js'

/**
 * One entry of `deposit_data-<timestamp>.json` exactly as staking-deposit-cli (v2.x, `credentials.py`
 * `deposit_datum_dict`) and ethstaker-deposit-cli write it: bytes as hex without 0x, amount as an integer in gwei,
 * `fork_version` = the network's GENESIS fork version, signed under compute_deposit_domain(GENESIS_FORK_VERSION)
 * (zero genesis_validators_root).
 */
export interface DepositDatum {
  pubkey: string
  withdrawal_credentials: string
  amount: number
  signature: string
  deposit_message_root: string
  deposit_data_root: string
  fork_version: string
  network_name: string
  deposit_cli_version: string
}

/** The last staking-deposit-cli release (ethereum/staking-deposit-cli settings.py DEPOSIT_CLI_VERSION). */
export const DEFAULT_DEPOSIT_CLI_VERSION = '2.8.0'
const GWEI_PER_ETH = 1_000_000_000

export type DepositNetwork = NetworkConfig | 'mainnet' | 'sepolia' | 'holesky' | 'hoodi'

/** A known network by name, or a custom `{name, genesisForkVersion}`. */
export function resolveDepositNetwork(network: DepositNetwork): NetworkConfig {
  if (typeof network !== 'string') {
    if (network.genesisForkVersion.length !== 4) throw new RangeError('genesis fork version must be 4 bytes')
    return network
  }
  if (!isKnownNetwork(network)) throw new RangeError(`unknown network "${network}"`)
  return KNOWN_NETWORKS[network]
}

export interface BuildDepositOptions {
  secretKey: SecretBytes
  withdrawalCredentials: Uint8Array
  /** Deposit amount in gwei: 1 ETH minimum; at most 32 ETH, or 2048 ETH with 0x02 credentials. */
  amountGwei: number
  network: DepositNetwork
  depositCliVersion?: string
}

function checkAmount(amount: number, wc: Uint8Array): void {
  const max = (wc[0] === 0x02 ? 2048 : 32) * GWEI_PER_ETH
  if (!Number.isSafeInteger(amount) || amount < GWEI_PER_ETH || amount > max) {
    throw new SignerError(
      'SIGNER_BAD_PAYLOAD',
      `deposit amount must be a whole number of gwei between 1 ETH and ${max / GWEI_PER_ETH} ETH`,
      { path: 'amount' },
    )
  }
}

const depositMessageType = () => exactUint64(ssz.phase0.DepositMessage)
const depositDataType = () => exactUint64(ssz.phase0.DepositData)

/** Sign a DepositMessage and produce its deposit_data.json entry. */
export function buildDepositData(opts: BuildDepositOptions): DepositDatum {
  const network = resolveDepositNetwork(opts.network)
  const wc = opts.withdrawalCredentials
  if (wc.length !== 32) throw new RangeError('withdrawal credentials are 32 bytes')
  checkAmount(opts.amountGwei, wc)
  const bls = getBls()
  const pubkey = bls.publicKey(opts.secretKey.expose())
  const message = { pubkey, withdrawalCredentials: wc, amount: BigInt(opts.amountGwei) }
  const domain = computeDomain(DOMAIN_DEPOSIT, network.genesisForkVersion, ZERO_ROOT)
  const signature = bls.sign(opts.secretKey.expose(), computeSigningRoot(depositMessageType(), message, domain))
  return {
    pubkey: toHex(pubkey),
    withdrawal_credentials: toHex(wc),
    amount: opts.amountGwei,
    signature: toHex(signature),
    deposit_message_root: toHex(depositMessageType().hashTreeRoot(message)),
    deposit_data_root: toHex(depositDataType().hashTreeRoot({ ...message, signature })),
    fork_version: toHex(network.genesisForkVersion),
    network_name: network.name,
    deposit_cli_version: opts.depositCliVersion ?? DEFAULT_DEPOSIT_CLI_VERSION,
  }
}

const FIELD_ORDER: readonly (keyof DepositDatum)[] = [
  'pubkey',
  'withdrawal_credentials',
  'amount',
  'signature',
  'deposit_message_root',
  'deposit_data_root',
  'fork_version',
  'network_name',
  'deposit_cli_version',
]

/** The file body byte for byte as Python's `json.dump(deposit_data, f)` writes it (", " and ": " separators). */
export function serializeDepositDataFile(data: readonly DepositDatum[]): string {
  const item = (d: DepositDatum) =>
    `{${FIELD_ORDER.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(d[k])}`).join(', ')}}`
  return `[${data.map(item).join(', ')}]`
}

/** `deposit_data-<unix seconds>.json`, the CLI's file name. */
export const depositDataFileName = (nowMs: number): string => `deposit_data-${Math.floor(nowMs / 1000)}.json`

/**
 * Recompute both roots of a deposit_data entry and verify its signature under the deposit domain of its
 * `fork_version` (what the launchpad checks). Returns the reasons it fails; empty when valid.
 */
export function verifyDepositDatum(d: DepositDatum): string[] {
  const problems: string[] = []
  try {
    const message = {
      pubkey: fromHex(d.pubkey),
      withdrawalCredentials: fromHex(d.withdrawal_credentials),
      amount: BigInt(d.amount),
    }
    const signature = fromHex(d.signature)
    if (!equalBytes(depositMessageType().hashTreeRoot(message), fromHex(d.deposit_message_root))) {
      problems.push('deposit_message_root')
    }
    if (!equalBytes(depositDataType().hashTreeRoot({ ...message, signature }), fromHex(d.deposit_data_root))) {
      problems.push('deposit_data_root')
    }
    const domain = computeDomain(DOMAIN_DEPOSIT, fromHex(d.fork_version), ZERO_ROOT)
    const root = computeSigningRoot(depositMessageType(), message, domain)
    if (!getBls().verify(message.pubkey, root, signature)) problems.push('signature')
  } catch {
    problems.push('malformed')
  }
  return problems
}
