import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'
import { ChainError } from '../chain/index.js'

/** The deployable Custos contracts (sources in `contracts/`). */
export const CONTRACT_NAMES = ['CustosKms', 'CustosApp', 'CustosCommittee', 'CustosMultisig'] as const
export type ContractName = (typeof CONTRACT_NAMES)[number]

export interface ContractArtifact {
  abi: Abi
  bytecode: Hex
}
export type ContractArtifacts = Record<ContractName, ContractArtifact>

export interface CompileOptions {
  /** folder with the .sol files; default `<repo>/contracts` */
  sourcesDir?: string
  /** where compiled output is cached; default `<repo>/node_modules/.cache/custos-contracts`; `false` disables */
  cacheDir?: string | false
}

export interface CompileResult {
  artifacts: ContractArtifacts
  /** sha256 of the standard-JSON input + compiler version (the cache key) */
  key: string
  fromCache: boolean
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Default on-disk cache of compiled contracts. */
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'custos-contracts')
/** Osaka is EDR 0.13's default hardfork (it caps a transaction at 16,777,216 gas). */
export const EVM_VERSION = 'osaka'
const memo = new Map<string, ContractArtifacts>()

/**
 * Compile `contracts/*.sol` with the npm `solc` (wasm, no download) through standard JSON input, optimizer on.
 * The output is cached on disk keyed by the sha256 of the sources + settings + compiler version, so a repeated
 * run reads a JSON file (~ms) instead of loading and running solc (~1 s).
 */
export async function compileContracts(opts: CompileOptions = {}): Promise<CompileResult> {
  const sourcesDir = opts.sourcesDir ?? join(REPO_ROOT, 'contracts')
  const cacheDir =
    opts.cacheDir === undefined ? join(REPO_ROOT, 'node_modules', '.cache', 'custos-contracts') : opts.cacheDir
  const input = await standardInput(sourcesDir)
  const version = solcVersion()
  const key = createHash('sha256').update(version).update('\0').update(JSON.stringify(input)).digest('hex')

  const memoKey = `${cacheDir || ''}|${key}`
  const hit = memo.get(memoKey)
  if (hit) return { artifacts: hit, key, fromCache: true }
  const cacheFile = cacheDir ? join(cacheDir, `${key}.json`) : undefined
  if (cacheFile) {
    const cached = await readCache(cacheFile)
    if (cached) {
      memo.set(memoKey, cached)
      return { artifacts: cached, key, fromCache: true }
    }
  }
  const artifacts = await runSolc(input)
  memo.set(memoKey, artifacts)
  if (cacheDir && cacheFile) {
    await mkdir(cacheDir, { recursive: true })
    const tmp = `${cacheFile}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(artifacts))
    await rename(tmp, cacheFile)
  }
  return { artifacts, key, fromCache: false }
}

interface StandardInput {
  language: 'Solidity'
  sources: Record<string, { content: string }>
  settings: Record<string, unknown>
}

async function standardInput(dir: string): Promise<StandardInput> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sol')).sort()
  if (files.length === 0) throw new ChainError('CHAIN_COMPILE_FAILED', `no .sol files in ${dir}`)
  const sources: Record<string, { content: string }> = {}
  for (const f of files) sources[f] = { content: await readFile(join(dir, f), 'utf8') }
  return {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
}

function solcVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('solc/package.json') as { version: string }).version
}

async function readCache(file: string): Promise<ContractArtifacts | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as ContractArtifacts
    return CONTRACT_NAMES.every((n) => parsed[n]?.bytecode?.startsWith('0x')) ? parsed : undefined
  } catch {
    return undefined
  }
}

interface SolcOutput {
  errors?: Array<{ severity: string; formattedMessage: string }>
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
}

async function runSolc(input: StandardInput): Promise<ContractArtifacts> {
  const solc = (await import('solc')).default as { compile(input: string): string }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) {
    throw new ChainError('CHAIN_COMPILE_FAILED', 'the Solidity sources do not compile; fix contracts/*.sol', {
      errors: errors
        .slice(0, 3)
        .map((e) => e.formattedMessage)
        .join('\n'),
    })
  }
  const result: Partial<ContractArtifacts> = {}
  for (const name of CONTRACT_NAMES) {
    const c = out.contracts?.[`${name}.sol`]?.[name]
    if (!c) throw new ChainError('CHAIN_COMPILE_FAILED', `contract ${name} is missing from contracts/${name}.sol`)
    result[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  }
  return result as ContractArtifacts
}
