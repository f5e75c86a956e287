import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTeePlatform } from '../createTeePlatform.js'
import { DstackAgentDriver } from './dstackAgentDriver.js'
import { GramineDriver } from './gramineDriver.js'
import { NsmDriver } from './nsmDriver.js'
import { TdxTsmDriver } from './tdxTsmDriver.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-ctp-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('createTeePlatform (real drivers)', () => {
  it('builds each configured driver when its interface exists', async () => {
    mkdirSync(join(dir, 'tsm'))
    mkdirSync(join(dir, 'att'))
    writeFileSync(join(dir, 'att', 'quote'), '')
    writeFileSync(join(dir, 'sock'), '')
    writeFileSync(join(dir, 'helper'), '')
    const tdx = await createTeePlatform({ driver: 'tdx-tsm', tdxTsm: { tsmDir: join(dir, 'tsm') } })
    expect(tdx).toBeInstanceOf(TdxTsmDriver)
    expect([tdx.driver, tdx.platform, tdx.simulated]).toEqual(['tdx-tsm', 'tdx', false])
    const g = await createTeePlatform({ driver: 'gramine', gramine: { attestationDir: join(dir, 'att') } })
    expect(g).toBeInstanceOf(GramineDriver)
    const d = await createTeePlatform({
      driver: 'dstack',
      dstack: { socketPath: join(dir, 'sock'), platform: 'nitro' },
    })
    expect(d).toBeInstanceOf(DstackAgentDriver)
    expect(d.platform).toBe('nitro')
    expect(await createTeePlatform({ driver: 'nsm', nsm: { helperPath: join(dir, 'helper') } })).toBeInstanceOf(
      NsmDriver,
    )
  })

  it('fails fast with TEE_DRIVER_UNAVAILABLE when the interface is absent', async () => {
    const absent = join(dir, 'absent')
    for (const cfg of [
      { driver: 'tdx-tsm', tdxTsm: { tsmDir: absent } },
      { driver: 'gramine', gramine: { attestationDir: absent } },
      { driver: 'dstack', dstack: { socketPath: absent } },
      { driver: 'nsm', nsm: { helperPath: absent } },
    ])
      await expect(createTeePlatform(cfg)).rejects.toMatchObject({
        code: 'TEE_DRIVER_UNAVAILABLE',
        meta: { path: expect.any(String) },
      })
  })
})
