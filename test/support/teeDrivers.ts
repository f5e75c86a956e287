/** A fake kernel for the TEE driver tests (configfs-tsm, TDX sysfs RTMRs). */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { sha384 } from '@noble/hashes/sha2.js'
import type { DriverIo } from '../../src/tee/drivers/driverIo.js'

export interface FakeKernel {
  io: DriverIo
  /** generation bumps to inject on the next inblob write (simulates a racing writer) */
  races: number
  /** report directories created so far */
  reports: string[]
}

/**
 * A fake configfs-tsm + TDX sysfs "kernel" over a temp dir: `mkdir` of a report populates `provider` and
 * `generation`; writing `inblob` bumps `generation` and produces `outblob` = quoteFor(inblob); `rmdir` removes the
 * report; writing a 48-byte digest to a `rtmr3:sha384` file extends it (sha384(old ‖ digest)) like the kernel.
 */
export function fakeKernel(opts: { provider?: string; quoteFor: (inblob: Uint8Array) => Uint8Array }): FakeKernel {
  const k: FakeKernel = {
    races: 0,
    reports: [],
    io: {
      readFile: async (p) => new Uint8Array(await readFile(p)),
      mkdir: async (p) => {
        mkdirSync(p)
        writeFileSync(resolve(p, 'provider'), `${opts.provider ?? 'tdx_guest'}\n`)
        writeFileSync(resolve(p, 'generation'), '0\n')
        k.reports.push(p)
      },
      rmdir: async (p) => rmSync(p, { recursive: true }),
      writeFile: async (p, data) => {
        if (basename(p) === 'inblob') {
          const gen = resolve(dirname(p), 'generation')
          const g = Number(readFileSync(gen, 'utf8')) + 1 + k.races
          k.races = 0
          writeFileSync(p, data)
          writeFileSync(gen, `${g}\n`)
          writeFileSync(resolve(dirname(p), 'outblob'), opts.quoteFor(data))
        } else if (basename(p).endsWith(':sha384')) {
          if (data.length !== 48) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' })
          let old = new Uint8Array(48)
          try {
            old = new Uint8Array(readFileSync(p))
          } catch {}
          const next = new Uint8Array(96)
          next.set(old)
          next.set(data, 48)
          writeFileSync(p, sha384(next))
        } else writeFileSync(p, data)
      },
    },
  }
  return k
}
