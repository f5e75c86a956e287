import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterAll, describe, expect, it } from 'vitest'
import { readVector, VECTORS } from '../../../test/support/vectors.js'
import { createDcapVerifier, parseQuote } from '../../attestation/index.js'
import { utf8ToBytes } from '../../crypto/index.js'
import type { DriverIo } from './driverIo.js'
import { nodeDriverIo } from './driverIo.js'
import { GramineDriver } from './gramineDriver.js'

const SGX_NOW = 1751624924
const sgxQuote = readVector('dcap/sgx_quote')
const sgxReportData = parseQuote(sgxQuote).body.reportData.slice()
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A fake Gramine /dev/attestation: writing user_report_data makes `quote` readable (quoteFor(report data)). */
function fakeGramine(quoteFor: (rd: Uint8Array) => Uint8Array, type = 'dcap') {
  const dir = mkdtempSync(join(tmpdir(), 'custos-gramine-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'keys'))
  writeFileSync(join(dir, 'attestation_type'), type)
  writeFileSync(join(dir, 'keys', '_sgx_mrenclave'), new Uint8Array(16).fill(0xab))
  writeFileSync(join(dir, 'keys', '_sgx_mrsigner'), new Uint8Array(16).fill(0xcd))
  const io: DriverIo = {
    ...nodeDriverIo,
    writeFile: async (p, data) => {
      if (basename(p) !== 'user_report_data' || data.length !== 64) throw Object.assign(new Error(), { code: 'EINVAL' })
      writeFileSync(p, data)
      writeFileSync(resolve(dirname(p), 'quote'), quoteFor(data))
    },
  }
  return { dir, io }
}

describe('GramineDriver (fake /dev/attestation)', () => {
  it('writes user_report_data and returns the SGX quote, which verifies offline', async () => {
    const g = fakeGramine(() => sgxQuote)
    const drv = new GramineDriver({ attestationDir: g.dir, io: g.io })
    const att = await drv.attest(sgxReportData)
    expect(new Uint8Array(readFileSync(join(g.dir, 'user_report_data')))).toEqual(sgxReportData)
    expect(att).toMatchObject({ runtimeEvents: [], config: '', quote: { type: 'tdx', eventLog: [] } })
    const col = JSON.parse(readFileSync(resolve(VECTORS, 'dcap/sgx_quote_collateral.json'), 'utf8'))
    const id = await createDcapVerifier({ collateralProvider: async () => col }).verify(att, { now: SGX_NOW })
    expect(id.platform).toBe('sgx')
    expect(id.tcbStatus).toBe('ConfigurationAndSWHardeningNeeded')
    expect(drv.platform).toBe('sgx')
  })

  it('refuses evidence over other report_data, and non-DCAP attestation types', async () => {
    const g = fakeGramine(() => sgxQuote)
    await expect(
      new GramineDriver({ attestationDir: g.dir, io: g.io }).attest(new Uint8Array(64)),
    ).rejects.toMatchObject({
      code: 'TEE_BAD_EVIDENCE',
    })
    const tdx = fakeGramine(() => readVector('dcap/tdx_quote'))
    const tdxRd = parseQuote(readVector('dcap/tdx_quote')).body.reportData.slice()
    await expect(new GramineDriver({ attestationDir: tdx.dir, io: tdx.io }).attest(tdxRd)).rejects.toMatchObject({
      code: 'TEE_BAD_EVIDENCE',
    })
    const none = fakeGramine(() => sgxQuote, 'none')
    await expect(
      new GramineDriver({ attestationDir: none.dir, io: none.io }).attest(sgxReportData),
    ).rejects.toMatchObject({
      code: 'TEE_DEVICE_UNAVAILABLE',
    })
  })

  it('serialises concurrent attest calls (user_report_data/quote is process-global)', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const g = fakeGramine(() => sgxQuote)
    const io: DriverIo = {
      ...g.io,
      readFile: async (p) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((r) => setTimeout(r, 5))
        inFlight--
        return g.io.readFile(p)
      },
    }
    const drv = new GramineDriver({ attestationDir: g.dir, io })
    await Promise.all([drv.attest(sgxReportData), drv.attest(sgxReportData), drv.attest(sgxReportData)])
    expect(maxInFlight).toBe(1)
  })

  it('expands the 16-byte SGX sealing key with HKDF to 32 bytes, per policy', async () => {
    const g = fakeGramine(() => sgxQuote)
    const enclave = await new GramineDriver({ attestationDir: g.dir }).sealingKey()
    const expected = hkdf(
      sha256,
      new Uint8Array(16).fill(0xab),
      utf8ToBytes('custos-gramine-sealing-v1'),
      utf8ToBytes('_sgx_mrenclave'),
      32,
    )
    expect(enclave.expose()).toEqual(expected)
    const signer = await new GramineDriver({ attestationDir: g.dir, sealingPolicy: '_sgx_mrsigner' }).sealingKey()
    expect(signer.expose()).not.toEqual(expected)
    expect(signer.expose()).toHaveLength(32)
    writeFileSync(join(g.dir, 'keys', '_sgx_mrenclave'), new Uint8Array(8))
    await expect(new GramineDriver({ attestationDir: g.dir }).sealingKey()).rejects.toMatchObject({
      code: 'TEE_DEVICE_IO',
    })
  })

  it('says clearly when /dev/attestation is absent', async () => {
    const drv = new GramineDriver({ attestationDir: join(tmpdir(), 'custos-no-such-gramine') })
    await expect(drv.attest(sgxReportData)).rejects.toMatchObject({ code: 'TEE_DEVICE_UNAVAILABLE' })
    await expect(drv.sealingKey()).rejects.toMatchObject({ code: 'TEE_DEVICE_UNAVAILABLE' })
  })
})
