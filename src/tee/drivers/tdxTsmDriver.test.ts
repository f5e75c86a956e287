import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fakeKernel } from '../../../test/support/teeDrivers.js'
import { readVector, VECTORS } from '../../../test/support/vectors.js'
import {
  parseQuote,
  prepareCollateral,
  replayRuntimeEvents,
  runtimeEventDigest,
  verifyQuote,
} from '../../attestation/index.js'
import { SecretBytes } from '../../crypto/index.js'
import { TdxTsmDriver } from './tdxTsmDriver.js'

const TDX_NOW = 1751624655
const vectorQuote = readVector('dcap/tdx_quote')
const vectorReportData = parseQuote(vectorQuote).body.reportData.slice()
const dirs: string[] = []
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-tsm-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('TdxTsmDriver (fake configfs-tsm)', () => {
  it('writes inblob, reads the outblob quote and cleans up its report directory', async () => {
    const tsmDir = temp()
    const seen: Uint8Array[] = []
    const k = fakeKernel({
      quoteFor: (inblob) => {
        seen.push(inblob)
        return vectorQuote
      },
    })
    const drv = new TdxTsmDriver({ tsmDir, rtmr3Path: '', io: k.io, config: '{"os_image_hash":"00"}' })
    const att = await drv.attest(vectorReportData)
    expect(seen).toEqual([vectorReportData])
    expect(att.quote).toMatchObject({ type: 'tdx', eventLog: [] })
    expect(att.quote.type === 'tdx' && att.quote.quote).toEqual(vectorQuote)
    expect(att.config).toBe('{"os_image_hash":"00"}')
    expect(k.reports).toHaveLength(1)
    expect(() => readFileSync(resolve(k.reports[0] as string, 'generation'))).toThrow()
    // the driver's evidence is the real quote: it verifies with the vectors' collateral
    const col = JSON.parse(readFileSync(resolve(VECTORS, 'dcap/tdx_quote_collateral.json'), 'utf8'))
    const v = verifyQuote(
      att.quote.type === 'tdx' ? att.quote.quote : new Uint8Array(),
      prepareCollateral(col, undefined, TDX_NOW),
      {
        now: TDX_NOW,
        expectedReportData: vectorReportData,
      },
    )
    expect(v.tcbStatus).toBe('UpToDate')
  })

  it('refuses an outblob that does not commit to the report_data', async () => {
    const k = fakeKernel({ quoteFor: () => vectorQuote })
    const drv = new TdxTsmDriver({ tsmDir: temp(), io: k.io })
    await expect(drv.attest(new Uint8Array(64).fill(7))).rejects.toMatchObject({ code: 'TEE_BAD_EVIDENCE' })
  })

  it('refuses the wrong provider and a wrong report_data size', async () => {
    const k = fakeKernel({ provider: 'sev_guest', quoteFor: () => vectorQuote })
    const drv = new TdxTsmDriver({ tsmDir: temp(), io: k.io })
    await expect(drv.attest(vectorReportData)).rejects.toMatchObject({
      code: 'TEE_BAD_EVIDENCE',
      meta: { provider: 'sev_guest' },
    })
    await expect(drv.attest(new Uint8Array(32))).rejects.toMatchObject({ code: 'TEE_BAD_REPORT_DATA' })
  })

  it('detects a racing writer through generation and retries', async () => {
    const k = fakeKernel({ quoteFor: () => vectorQuote })
    const drv = new TdxTsmDriver({ tsmDir: temp(), io: k.io })
    k.races = 1
    await drv.attest(vectorReportData)
    expect(k.reports).toHaveLength(2)
    const always = fakeKernel({ quoteFor: () => vectorQuote })
    const io = {
      ...always.io,
      writeFile: async (p: string, d: Uint8Array) => {
        always.races = 1
        return always.io.writeFile(p, d)
      },
    }
    await expect(new TdxTsmDriver({ tsmDir: temp(), io }).attest(vectorReportData)).rejects.toMatchObject({
      code: 'TEE_REPORT_RACE',
    })
  })

  it('says clearly when configfs-tsm is absent (real filesystem, missing dir)', async () => {
    const drv = new TdxTsmDriver({ tsmDir: join(temp(), 'no', 'tsm') })
    await expect(drv.attest(vectorReportData)).rejects.toMatchObject({ code: 'TEE_DEVICE_UNAVAILABLE' })
  })

  it('extends RTMR3 per runtime event and ships the events for replay', async () => {
    const dir = temp()
    const rtmr3Path = join(dir, 'rtmr3:sha384')
    const k = fakeKernel({ quoteFor: () => vectorQuote })
    const initial = [{ event: 'app-id', payload: new Uint8Array(20).fill(1) }]
    const drv = new TdxTsmDriver({ tsmDir: temp(), rtmr3Path, io: k.io, initialEvents: initial })
    // the fake kernel starts from the boot-time value (the initial event already extended)
    await k.io.writeFile(rtmr3Path, runtimeEventDigest(initial[0]!))
    await Promise.all([drv.emitEvent('custos-a', Uint8Array.of(1)), drv.emitEvent('custos-b', Uint8Array.of(2))])
    const att = await drv.attest(vectorReportData)
    expect(att.runtimeEvents.map((e) => e.event)).toEqual(['app-id', 'custos-a', 'custos-b'])
    expect(att.quote.type === 'tdx' && att.quote.eventLog.map((e) => e.imr)).toEqual([3, 3, 3])
    expect(new Uint8Array(readFileSync(rtmr3Path))).toEqual(replayRuntimeEvents(att.runtimeEvents))
  })

  it('reports missing RTMR3 support and the missing TDX sealing key with typed errors', async () => {
    const drv = new TdxTsmDriver({ tsmDir: temp(), rtmr3Path: join(temp(), 'absent', 'rtmr3:sha384') })
    await expect(drv.emitEvent('x', new Uint8Array())).rejects.toMatchObject({ code: 'TEE_RTMR_UNAVAILABLE' })
    expect(drv.runtimeEvents).toEqual([])
    await expect(drv.sealingKey()).rejects.toMatchObject({ code: 'TEE_NO_SEALING_KEY' })
    const key = new SecretBytes(new Uint8Array(32).fill(9))
    expect(await new TdxTsmDriver({ sealingKey: async () => key }).sealingKey()).toBe(key)
  })
})
