import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fromHex, type SecretBytes, toHex } from '../crypto/index.js'
import { CustosError } from '../errors.js'
import {
  blsWithdrawalCredentials,
  buildDepositData,
  type DepositDatum,
  depositDataFileName,
  encryptKeystore,
  executionWithdrawalCredentials,
  generateBlsKey,
  type NetworkConfig,
  serializeDepositDataFile,
  verifyDepositDatum,
} from '../signer/index.js'
import { SignerCliError } from './signerErrors.js'

/** 32 ETH, the official deposit CLI's default amount. */
export const DEFAULT_DEPOSIT_AMOUNT_GWEI = 32_000_000_000

export interface DepositKey {
  secretKey: SecretBytes
  publicKey: Uint8Array
  /** Where the key came from (a keystore path, or "generated key i"), for messages. */
  source: string
  /** EIP-2334 path, for generated keys. */
  path?: string
}

/**
 * Withdrawal credentials from the CLI options: an execution address (0x01, or 0x02 with `compounding`) or a BLS
 * withdrawal public key (0x00). Exactly one of the two.
 */
export function withdrawalCredentialsFromOptions(o: {
  withdrawalAddress?: string
  withdrawalPubkey?: string
  compounding?: boolean
}): Uint8Array {
  if (!!o.withdrawalAddress === !!o.withdrawalPubkey) {
    throw new SignerCliError(
      'CLI_BAD_OPTION',
      'pass exactly one of --withdrawal-address 0x… (0x01/0x02 credentials) or --withdrawal-pubkey 0x… (0x00)',
    )
  }
  if (o.withdrawalAddress) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(o.withdrawalAddress)) {
      throw new SignerCliError('CLI_BAD_OPTION', '--withdrawal-address must be 0x followed by 40 hex digits')
    }
    return executionWithdrawalCredentials(o.withdrawalAddress, o.compounding ? 0x02 : 0x01)
  }
  if (o.compounding) {
    throw new SignerCliError(
      'CLI_BAD_OPTION',
      '--compounding (0x02) needs --withdrawal-address, not --withdrawal-pubkey',
    )
  }
  if (!/^(0x)?[0-9a-fA-F]{96}$/.test(o.withdrawalPubkey as string)) {
    throw new SignerCliError('CLI_BAD_OPTION', '--withdrawal-pubkey must be a 48-byte BLS public key in hex')
  }
  return blsWithdrawalCredentials(fromHex(o.withdrawalPubkey as string))
}

/** `--amount-gwei`: a whole number of gwei (range checks happen when signing: 1 ETH to 32, or 2048 with 0x02). */
export function parseAmountGwei(s: string): number {
  const n = /^[0-9]{1,16}$/.test(s) ? Number(s) : Number.NaN
  if (!Number.isSafeInteger(n))
    throw new SignerCliError('CLI_BAD_OPTION', '--amount-gwei must be a whole number of gwei')
  return n
}

/** Sign every key's deposit and re-verify each entry (roots and signature) as the launchpad would. */
export function buildVerifiedDeposits(
  keys: readonly DepositKey[],
  network: NetworkConfig,
  withdrawalCredentials: Uint8Array,
  amountGwei: number,
): DepositDatum[] {
  const seen = new Set<string>()
  return keys.map((k) => {
    const pk = toHex(k.publicKey)
    if (seen.has(pk)) throw new SignerCliError('CLI_BAD_OPTION', `the same validator key is given twice (${k.source})`)
    seen.add(pk)
    let datum: DepositDatum
    try {
      datum = buildDepositData({ secretKey: k.secretKey, withdrawalCredentials, amountGwei, network })
    } catch (e) {
      if (e instanceof CustosError) throw new SignerCliError('CLI_BAD_OPTION', e.shortMessage, {}, { cause: e })
      throw e
    }
    const problems = verifyDepositDatum(datum)
    if (problems.length > 0) {
      throw new Error(`deposit for ${k.source} failed its own verification (${problems.join(', ')}); nothing written`)
    }
    return datum
  })
}

/** Create `file` (never overwrite: CLI_OUTPUT_EXISTS if it exists). */
export function writeNewFile(file: string, body: string, mode: number): void {
  try {
    writeFileSync(file, body, { flag: 'wx', mode })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SignerCliError('CLI_OUTPUT_EXISTS', `${file} already exists; move it away or choose another --out`)
    }
    throw e
  }
}

/** Write `deposit_data-<unix seconds>.json` into `outDir` (read-only, as the official CLI leaves it). */
export function writeDepositDataFile(outDir: string, data: readonly DepositDatum[], nowMs: number): string {
  mkdirSync(outDir, { recursive: true })
  const file = resolve(outDir, depositDataFileName(nowMs))
  writeNewFile(file, serializeDepositDataFile(data), 0o440)
  return file
}

/**
 * DEV ONLY: generate `count` validator keys in this process (account i at m/12381/3600/i/0/0, each from its own
 * random seed). A production node generates keys inside its TEE instead.
 */
export function generateDevKeys(count: number, rng: (n: number) => Uint8Array): DepositKey[] {
  return Array.from({ length: count }, (_, i) => {
    const k = generateBlsKey(rng, i)
    return { secretKey: k.secretKey, publicKey: k.publicKey, source: `generated key ${i}`, path: k.path }
  })
}

/** Save generated keys as EIP-2335 keystores (PBKDF2), named as staking-deposit-cli names them. */
export async function writeDevKeystores(opts: {
  keys: readonly DepositKey[]
  password: string
  outDir: string
  nowMs: number
  rng: (n: number) => Uint8Array
}): Promise<string[]> {
  mkdirSync(opts.outDir, { recursive: true })
  const ts = Math.floor(opts.nowMs / 1000)
  const files: string[] = []
  for (const k of opts.keys) {
    const path = k.path ?? ''
    const ks = await encryptKeystore({
      secretKey: k.secretKey,
      password: opts.password,
      path,
      kdf: { function: 'pbkdf2' },
      rng: opts.rng,
      description: 'custos signer deposit --dev (generated outside a TEE: development only)',
    })
    const file = join(resolve(opts.outDir), `keystore-${path.replaceAll('/', '_')}-${ts}.json`)
    writeNewFile(file, JSON.stringify(ks), 0o600)
    files.push(file)
  }
  return files
}
