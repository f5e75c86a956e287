import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as chain from '../chain/index.js'
import { CONTRACT_NAMES, compileContracts } from './compileContracts.js'
import { ABIS_HEADER, abiConstName, renderAbis } from './generateAbis.js'

describe('generateAbis', () => {
  it('abis.ts is in sync with contracts/*.sol (regenerate with `npm run generate:abis`)', async () => {
    const { artifacts } = await compileContracts()
    for (const n of CONTRACT_NAMES) {
      expect((chain as Record<string, unknown>)[abiConstName(n)], n).toEqual(artifacts[n].abi)
    }
    // the header names the script and this test
    const text = readFileSync(new URL('../chain/abis.ts', import.meta.url), 'utf8')
    expect(text.startsWith(`${ABIS_HEADER}\n`)).toBe(true)
    expect(ABIS_HEADER).toContain('npm run generate:abis')
    expect(ABIS_HEADER).toContain('src/devchain/generateAbis.test.ts')
    expect(renderAbis(artifacts)).toContain('export const custosKmsAbi = [')
  })
})
