/** ARCHITECTURE.md rules of the house, checked on the import graph of src/. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')
const FOUNDATIONS = ['attestation', 'tee', 'net', 'policy', 'store', 'crypto']
const SERVICES = ['kms', 'signer', 'mpc', 'agent']

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : []
  })
}

const domainOf = (file: string) => relative(SRC, file).split(sep)[0] as string
const imports = files(SRC).flatMap((file) => {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => ({ file, target: resolve(file, '..', m[1] as string) }))
})

describe('layering', () => {
  it('scans a real tree', () => {
    expect(imports.length).toBeGreaterThan(50)
  })

  it('only node/ and cli/ import node/ or cli/', () => {
    const bad = imports.filter(
      (i) => ['node', 'cli'].includes(domainOf(i.target)) && !['node', 'cli'].includes(domainOf(i.file)),
    )
    expect(bad.map((i) => `${relative(SRC, i.file)} → ${relative(SRC, i.target)}`)).toEqual([])
  })

  it('foundations never import services', () => {
    const bad = imports.filter((i) => FOUNDATIONS.includes(domainOf(i.file)) && SERVICES.includes(domainOf(i.target)))
    expect(bad.map((i) => `${relative(SRC, i.file)} → ${relative(SRC, i.target)}`)).toEqual([])
  })

  it('across domains, only the other domain index.ts is imported', () => {
    const bad = imports.filter((i) => {
      const from = domainOf(i.file)
      const to = domainOf(i.target)
      if (from === to || !relative(SRC, i.target).includes(sep)) return false
      return !i.target.endsWith(`${sep}index.js`) || relative(SRC, i.target).split(sep).length !== 2
    })
    expect(bad.map((i) => `${relative(SRC, i.file)} → ${relative(SRC, i.target)}`)).toEqual([])
  })
})
