import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { detectPlatform } from './detectPlatform.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-detect-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('detectPlatform', () => {
  it('finds nothing when no interface exists', async () => {
    const none = join(dir, 'none')
    expect(
      await detectPlatform({
        tsmDir: none,
        gramineDir: none,
        dstackSockets: [join(none, 's')],
        nsmDevice: join(none, 'nsm'),
      }),
    ).toEqual([])
  })

  it('lists every interface present, dstack first; a plain file is not a dstack socket', async () => {
    mkdirSync(join(dir, 'tsm'))
    mkdirSync(join(dir, 'att'))
    writeFileSync(join(dir, 'att', 'quote'), '')
    writeFileSync(join(dir, 'nsm'), '')
    writeFileSync(join(dir, 'not-a-socket'), '')
    const sock = join(dir, 'dstack.sock')
    const server = createServer()
    await new Promise<void>((ok) => server.listen(sock, ok))
    try {
      const found = await detectPlatform({
        tsmDir: join(dir, 'tsm'),
        gramineDir: join(dir, 'att'),
        dstackSockets: [join(dir, 'not-a-socket'), sock],
        nsmDevice: join(dir, 'nsm'),
      })
      expect(found.map((f) => [f.driver, f.platform])).toEqual([
        ['dstack', 'tdx'],
        ['tdx-tsm', 'tdx'],
        ['gramine', 'sgx'],
        ['nsm', 'nitro'],
      ])
      expect(found[0]?.path).toBe(sock)
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  })
})
