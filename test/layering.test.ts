/** ARCHITECTURE.md rules of the house, checked on the import graph of src/. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')
const FOUNDATIONS = ['attestation', 'tee', 'net', 'policy', 'store', 'crypto', 'chain']
const SERVICES = ['kms', 'signer', 'mpc', 'agent']
/** What a running node is built from (`custos start`): node/, the services and the foundations. */
const RUNTIME = ['node', ...SERVICES, ...FOUNDATIONS]
/**
 * Dev tooling: the local EVM, solc, deploying, dev accounts (`devchain/`). Loaded only with `await import()` by
 * `custos dev --chain` (node/devnetChain.ts) and `custos contracts` (cli/), and by tests.
 */
const DEV_DOMAINS = ['devchain']
const DEV_LOADERS = (file: string) => domainOf(file) === 'cli' || rel(file) === join('node', 'devnetChain.ts')
/** Packages only the dev tooling may load: Hardhat's native EVM (~100 MB) and the Solidity compiler. */
const DEV_PACKAGES = ['@nomicfoundation/edr', 'solc']

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : []
  })
}

const rel = (file: string) => relative(SRC, file)
const domainOf = (file: string) => rel(file).split(sep)[0] as string

/**
 * `static`: an import/export statement (loads the module); `type`: `import type`/`export type` (erased; note that
 * `import { type X }` is NOT erased under verbatimModuleSyntax, it still loads the module); `dynamic`: `import('…')`,
 * `require('…')`, `….resolve('…')` (loaded when that code runs).
 */
type Kind = 'static' | 'type' | 'dynamic'
interface Import {
  file: string
  spec: string
  kind: Kind
  /** resolved path for a relative specifier */
  target?: string
}

/** Every import of a file, relative and bare, by kind. Comments that start a line are ignored. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8')
    .replace(/^\s*\/\*[\s\S]*?\*\//gm, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1')
  const found: Array<{ spec: string; kind: Kind }> = []
  for (const m of text.matchAll(/^(?:import|export)(\s+type\b)?[^'";=()]*?\bfrom\s*['"]([^'"]+)['"]/gm))
    found.push({ spec: m[2] as string, kind: m[1] ? 'type' : 'static' })
  for (const m of text.matchAll(/^import\s*['"]([^'"]+)['"]/gm)) found.push({ spec: m[1] as string, kind: 'static' })
  for (const m of text.matchAll(/(typeof\s+)?\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ spec: m[2] as string, kind: m[1] ? 'type' : 'dynamic' })
  for (const m of text.matchAll(/(?:\brequire|\.resolve|\bcreateRequire\([^)]*\))\(\s*['"]([^'"]+)['"]/g))
    found.push({ spec: m[1] as string, kind: 'dynamic' })
  return found.map((f) => ({
    file,
    ...f,
    ...(f.spec.startsWith('.') ? { target: resolve(file, '..', f.spec) } : {}),
  }))
}

const all = files(SRC).flatMap(importsOf)
const imports = all.filter((i): i is Import & { target: string } => i.target !== undefined)
const isDevPackage = (spec: string) => DEV_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))
const show = (i: Import) => `${rel(i.file)} → ${i.target ? rel(i.target) : i.spec} (${i.kind})`

/**
 * Everything loaded at module-evaluation time from these roots: follows static imports (not `import type`, not
 * `await import()`). Returns each reached file with the chain of imports that first reached it (roots in order).
 */
function staticClosure(roots: string[]): Map<string, string[]> {
  const reached = new Map<string, string[]>()
  for (const root of roots) {
    if (reached.has(root)) continue
    reached.set(root, [rel(root)])
    const queue = [root]
    while (queue.length > 0) {
      const file = queue.shift() as string
      for (const i of imports) {
        if (i.file !== file || i.kind !== 'static') continue
        const ts = i.target.replace(/\.js$/, '.ts')
        if (reached.has(ts) || !existsSync(ts)) continue
        reached.set(ts, [...(reached.get(file) as string[]), rel(ts)])
        queue.push(ts)
      }
    }
  }
  return reached
}

describe('layering', () => {
  it('scans a real tree', () => {
    expect(imports.length).toBeGreaterThan(50)
    // the scanner sees every kind of import (so the dev-tooling rules below are not vacuous)
    const seen = (f: string, spec: string, kind: Kind) =>
      all.some((i) => rel(i.file) === join(...f.split('/')) && i.spec === spec && i.kind === kind)
    expect(seen('devchain/edrProvider.ts', '@nomicfoundation/edr', 'type')).toBe(true)
    expect(seen('devchain/edrProvider.ts', '@nomicfoundation/edr', 'dynamic')).toBe(true)
    expect(seen('devchain/compileContracts.ts', 'solc', 'dynamic')).toBe(true)
    expect(seen('devchain/compileContracts.ts', 'solc/package.json', 'dynamic')).toBe(true)
    expect(seen('node/devnetChain.ts', '../devchain/index.js', 'dynamic')).toBe(true)
    expect(seen('cli/main.ts', 'reflect-metadata', 'static')).toBe(true)
  })

  it('only node/ and cli/ import node/ or cli/', () => {
    const bad = imports.filter(
      (i) => ['node', 'cli'].includes(domainOf(i.target)) && !['node', 'cli'].includes(domainOf(i.file)),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('foundations never import services', () => {
    const bad = imports.filter((i) => FOUNDATIONS.includes(domainOf(i.file)) && SERVICES.includes(domainOf(i.target)))
    expect(bad.map(show)).toEqual([])
  })

  it('a service imports another service only as types (its wire contract), never its code', () => {
    // shared code of two services is a foundation (the dstack KMS crypto is crypto/dstack/, used by kms/ and agent/)
    const PENDING = [join('agent', 'kmsTrust.ts')] // imports crypto helpers through kms/index.js; being rewritten
    const found = imports.filter(
      (i) =>
        SERVICES.includes(domainOf(i.file)) &&
        SERVICES.includes(domainOf(i.target)) &&
        domainOf(i.file) !== domainOf(i.target) &&
        i.kind !== 'type',
    )
    expect(found.filter((i) => !PENDING.includes(rel(i.file))).map(show)).toEqual([])
    // an exception that no longer applies must go
    for (const p of PENDING)
      expect(
        found.some((i) => rel(i.file) === p),
        p,
      ).toBe(true)
  })

  it('across domains, only the other domain index.ts is imported', () => {
    const bad = imports.filter((i) => {
      const from = domainOf(i.file)
      const to = domainOf(i.target)
      if (from === to || !rel(i.target).includes(sep)) return false
      return !i.target.endsWith(`${sep}index.js`) || rel(i.target).split(sep).length !== 2
    })
    expect(bad.map(show)).toEqual([])
  })

  it('the node runtime and `custos --version` never load the dev tooling (devchain/, EDR, solc)', () => {
    // the entry points first, so that a violation shows how `custos` reaches it; then every other runtime file
    const entries = [join(SRC, 'cli', 'main.ts'), join(SRC, 'node', 'index.ts')]
    const roots = [...entries, ...files(SRC).filter((f) => RUNTIME.includes(domainOf(f)))]
    expect(roots.some((f) => domainOf(f) === 'chain')).toBe(true)
    const reached = staticClosure(roots)
    const bad = [...reached].filter(([f]) => DEV_DOMAINS.includes(domainOf(f))).map(([, via]) => via.join(' → '))
    for (const i of all) {
      if (reached.has(i.file) && isDevPackage(i.spec))
        bad.push(`${(reached.get(i.file) as string[]).join(' → ')} imports ${i.spec} (${i.kind})`)
    }
    expect(bad).toEqual([])
  })

  it('EDR and solc are imported only by devchain/', () => {
    const bad = all.filter((i) => isDevPackage(i.spec) && !DEV_DOMAINS.includes(domainOf(i.file)))
    expect(bad.map(show)).toEqual([])
  })

  it('devchain/ is loaded only with `await import()` from cli/ and node/devnetChain.ts (or as types)', () => {
    const bad = imports.filter(
      (i) =>
        DEV_DOMAINS.includes(domainOf(i.target)) &&
        !DEV_DOMAINS.includes(domainOf(i.file)) &&
        i.kind !== 'type' &&
        !(i.kind === 'dynamic' && DEV_LOADERS(i.file)),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('devchain/ is dev tooling, not a service: it imports no service, node/ or cli/', () => {
    const bad = imports.filter(
      (i) => DEV_DOMAINS.includes(domainOf(i.file)) && [...SERVICES, 'node', 'cli'].includes(domainOf(i.target)),
    )
    expect(bad.map(show)).toEqual([])
  })
})
