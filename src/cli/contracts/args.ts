import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { ContractsCliError } from './errors.js'

/** A 32-byte hash argument: exactly 64 hex digits, with or without 0x (no silent padding of a truncated hash). */
export function parseHash32(value: string, what: string): Hex {
  const h = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (!/^[0-9a-fA-F]{64}$/.test(h)) {
    throw new ContractsCliError(
      'CONTRACTS_BAD_ARG',
      `${what} ${JSON.stringify(value)} is not a 32-byte hash: expected 64 hex digits (optionally 0x-prefixed)`,
      { what },
    )
  }
  return `0x${h.toLowerCase()}`
}

/** Arbitrary-length hex bytes (e.g. a public key); '' or '0x' is empty. */
export function parseHexBytes(value: string, what: string): Hex {
  const h = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) {
    throw new ContractsCliError('CONTRACTS_BAD_ARG', `${what} is not hex bytes (an even number of hex digits)`, {
      what,
    })
  }
  return `0x${h.toLowerCase()}`
}

/** A 20-byte address (checksum is verified when mixed case); returned checksummed. */
export function parseAddress(value: string, what: string): Address {
  const v = /^[0-9a-fA-F]{40}$/.test(value) ? `0x${value}` : value
  if (!isAddress(v, { strict: true })) {
    throw new ContractsCliError(
      'CONTRACTS_BAD_ARG',
      `${what} ${JSON.stringify(value)} is not an address: expected 0x + 40 hex digits (with a valid checksum if mixed case)`,
      { what },
    )
  }
  return getAddress(v)
}

/** A non-negative integer option within [min, max]. */
export function parseUint(value: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ContractsCliError('CONTRACTS_BAD_ARG', `${what} must be an integer from ${min} to ${max}, got ${value}`, {
      what,
    })
  }
  return n
}

/** "true/false/on/off/yes/no/1/0" → boolean. */
export function parseBool(value: string, what: string): boolean {
  const v = value.toLowerCase()
  if (['true', 'on', 'yes', '1'].includes(v)) return true
  if (['false', 'off', 'no', '0'].includes(v)) return false
  throw new ContractsCliError('CONTRACTS_BAD_ARG', `${what} must be true or false, got ${value}`, { what })
}

/** What `custos contracts deploy --out FILE` writes and `--deployment FILE` reads. */
export interface DeploymentFile {
  chainId: number
  rpcUrl?: string
  kms: Address
  committee?: Address
  multisig?: Address
  deployer?: Address
  /** block before the first deployment transaction (where `show` starts reading events) */
  fromBlock?: number
}

function readJson(file: string, what: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new ContractsCliError('CONTRACTS_BAD_FILE', `cannot read the ${what} file ${file}`, { file })
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ContractsCliError('CONTRACTS_BAD_FILE', `the ${what} file ${file} is not JSON`, { file })
  }
}

export function readDeploymentFile(file: string): DeploymentFile {
  const j = readJson(file, 'deployment') as Record<string, unknown>
  const bad = (why: string) =>
    new ContractsCliError(
      'CONTRACTS_BAD_FILE',
      `deployment file ${file}: ${why} (write it with \`custos contracts deploy --out\`)`,
      {
        file,
      },
    )
  if (!j || typeof j !== 'object') throw bad('expected a JSON object')
  if (typeof j.chainId !== 'number' || !Number.isSafeInteger(j.chainId)) throw bad('chainId must be a number')
  if (typeof j.kms !== 'string') throw bad('kms address missing')
  const addr = (k: string) => {
    const v = j[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || !isAddress(v, { strict: false })) throw bad(`${k} is not an address`)
    return getAddress(v)
  }
  const out: DeploymentFile = { chainId: j.chainId, kms: addr('kms')! }
  for (const k of ['committee', 'multisig', 'deployer'] as const) {
    const a = addr(k)
    if (a) out[k] = a
  }
  if (typeof j.rpcUrl === 'string') out.rpcUrl = j.rpcUrl
  if (typeof j.fromBlock === 'number') out.fromBlock = j.fromBlock
  return out
}

export function writeNewJson(file: string, value: unknown, force = false): void {
  if (!force && existsSync(file)) {
    throw new ContractsCliError('CONTRACTS_REFUSED', `${file} already exists; pass --force to overwrite it`, { file })
  }
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 })
}

/** One committee member as the contract takes it. */
export interface ParticipantInput {
  account: Address
  signingPubkey: Hex
  url: string
}

/**
 * A participants file: `[{account, signingPubkey?, url?}, …]` or `{participants: [...], threshold?}`.
 * Returns the list and the file's threshold (if any).
 */
export function readParticipantsFile(file: string): { participants: ParticipantInput[]; threshold?: number } {
  const j = readJson(file, 'participants') as unknown
  const list = Array.isArray(j) ? j : (j as { participants?: unknown })?.participants
  const bad = (why: string) =>
    new ContractsCliError(
      'CONTRACTS_BAD_FILE',
      `participants file ${file}: ${why}; expected [{"account":"0x…","signingPubkey":"0x…","url":"https://…"}, …]`,
      { file },
    )
  if (!Array.isArray(list) || list.length === 0) throw bad('no participants')
  const participants = list.map((p, i) => {
    if (!p || typeof p !== 'object' || typeof (p as { account?: unknown }).account !== 'string')
      throw bad(`entry ${i} has no account`)
    const e = p as { account: string; signingPubkey?: unknown; url?: unknown }
    if (e.signingPubkey !== undefined && typeof e.signingPubkey !== 'string') throw bad(`entry ${i}: signingPubkey`)
    if (e.url !== undefined && typeof e.url !== 'string') throw bad(`entry ${i}: url`)
    return {
      account: parseAddress(e.account, `participant ${i} account`),
      signingPubkey: parseHexBytes((e.signingPubkey as string | undefined) ?? '', `participant ${i} signingPubkey`),
      url: (e.url as string | undefined) ?? '',
    }
  })
  const t = Array.isArray(j) ? undefined : (j as { threshold?: unknown }).threshold
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t))) throw bad('threshold must be an integer')
  return t === undefined ? { participants } : { participants, threshold: t as number }
}

/** Read a private key file (0x + 64 hex, or 64 hex; surrounding whitespace ignored). Never echoes the key. */
export function readPrivateKeyFile(file: string): Hex {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch {
    throw new ContractsCliError('CONTRACTS_BAD_FILE', `cannot read the private key file ${file}`, { file })
  }
  const h = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(h)) {
    throw new ContractsCliError(
      'CONTRACTS_BAD_FILE',
      `the private key file ${file} must hold one secp256k1 key: 64 hex digits, optionally 0x-prefixed`,
      { file },
    )
  }
  return `0x${h.toLowerCase()}`
}
