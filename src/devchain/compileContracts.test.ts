import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CONTRACT_NAMES, compileContracts, DEFAULT_CACHE_DIR } from './compileContracts.js'

const tmp: string[] = []
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'custos-chain-'))
  tmp.push(d)
  return d
}
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true })
})

describe('compileContracts', () => {
  it('compiles every contract and caches the result on disk under the input hash', async () => {
    const first = await compileContracts()
    expect(first.key).toMatch(/^[0-9a-f]{64}$/)
    expect(await readdir(DEFAULT_CACHE_DIR)).toContain(`${first.key}.json`)
    for (const n of CONTRACT_NAMES) {
      expect(first.artifacts[n].bytecode).toMatch(/^0x60[0-9a-f]+$/)
      // EIP-170: runtime ≤ 24,576 bytes, so the whole init code is comfortably under 2 × that
      expect(first.artifacts[n].bytecode.length / 2).toBeLessThan(49_152)
    }
    const again = await compileContracts()
    expect(again.fromCache).toBe(true)
    expect(again.key).toBe(first.key)

    // a fresh cache dir seeded with that file is read from disk, not recompiled
    const dir = await tempDir()
    await copyFile(join(DEFAULT_CACHE_DIR, `${first.key}.json`), join(dir, `${first.key}.json`))
    const seeded = await compileContracts({ cacheDir: dir })
    expect(seeded.fromCache).toBe(true)
    expect(seeded.artifacts).toEqual(first.artifacts)
  })

  it('a corrupt cache file is ignored: solc runs, gives the same artifacts, and the file is rewritten', async () => {
    const cached = await compileContracts()
    const dir = await tempDir()
    await writeFile(join(dir, `${cached.key}.json`), '{"CustosKms":')
    const fresh = await compileContracts({ cacheDir: dir })
    expect(fresh.fromCache).toBe(false)
    expect(fresh.key).toBe(cached.key)
    expect(fresh.artifacts).toEqual(cached.artifacts)
    expect(JSON.parse(await readFile(join(dir, `${cached.key}.json`), 'utf8'))).toEqual(cached.artifacts)
  }, 120_000) // a full solc run: seconds on a laptop, much longer on a loaded CI machine

  it('CHAIN_COMPILE_FAILED for sources that do not compile or lack a contract', async () => {
    const broken = await tempDir()
    await writeFile(join(broken, 'CustosKms.sol'), 'pragma solidity ^0.8.24; contract CustosKms { function f( }')
    await expect(compileContracts({ sourcesDir: broken, cacheDir: false })).rejects.toMatchObject({
      code: 'CHAIN_COMPILE_FAILED',
    })
    const partial = await tempDir()
    await writeFile(join(partial, 'CustosKms.sol'), 'pragma solidity ^0.8.24; contract CustosKms {}')
    await expect(compileContracts({ sourcesDir: partial, cacheDir: false })).rejects.toMatchObject({
      code: 'CHAIN_COMPILE_FAILED',
    })
    const empty = await tempDir()
    await expect(compileContracts({ sourcesDir: empty, cacheDir: false })).rejects.toMatchObject({
      code: 'CHAIN_COMPILE_FAILED',
    })
  })
})
