import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DCAP_VECTORS, type FakePcs, startFakePcs, vectorCollateral } from '../../../test/support/pccs.js'
import { createDcapVerifier, parseCollateral, prepareCollateral, verifyQuote } from '../../attestation/index.js'
import { collateralTargetOf } from './collateralTarget.js'
import { collateralProviderFor, createPccsClient } from './pccsClient.js'
import { rawJsonMember } from './rawJsonMember.js'

const SGX_NOW = 1751624924
const TDX_NOW = 1751624655
const sgxQuote = new Uint8Array(readFileSync(resolve(DCAP_VECTORS, 'sgx_quote')))
const tdxQuote = new Uint8Array(readFileSync(resolve(DCAP_VECTORS, 'tdx_quote')))
const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-pccs-'))
  dirs.push(d)
  return d
}
let pcs: FakePcs | undefined
afterEach(async () => {
  await pcs?.close()
  pcs = undefined
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('collateralTargetOf', () => {
  it('reads tee, FMSPC and CA from the PCK leaf of real quotes', () => {
    expect(collateralTargetOf(sgxQuote)).toEqual({ tee: 'sgx', fmspc: '00A067110000', ca: 'processor' })
    expect(collateralTargetOf(tdxQuote)).toEqual({ tee: 'tdx', fmspc: 'B0C06F000000', ca: 'platform' })
  })

  it('refuses bytes that are not a quote', () => {
    expect(() => collateralTargetOf(new Uint8Array(100))).toThrow(
      expect.objectContaining({ code: 'PCCS_UNSUPPORTED_QUOTE' }),
    )
  })
})

describe('rawJsonMember', () => {
  it('returns the exact source text, whitespace and key order included', () => {
    const text = '{ "a" : [1, {"x":"}\\""}], "tcbInfo" :  {"b": 2,  "a":1} ,"signature":"ab"}'
    expect(rawJsonMember(text, 'tcbInfo')).toBe('{"b": 2,  "a":1}')
    expect(rawJsonMember(text, 'signature')).toBe('"ab"')
    expect(rawJsonMember(text, 'missing')).toBeUndefined()
  })
})

describe('createPccsClient', () => {
  it('fetches PCS responses into collateral that verifies the SGX vector quote', async () => {
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    const client = createPccsClient({ url: `${pcs.url}/sgx/certification/v4/`, now: () => SGX_NOW })
    const col = await client.collateralForQuote(sgxQuote)
    expect(parseCollateral(col)).toBeTruthy()
    expect(col.tcb_info).toBe(vectorCollateral('sgx_quote').tcb_info)
    expect(pcs.requests.sort()).toEqual([
      '/sgx/certification/v4/pckcrl?ca=processor&encoding=der',
      '/sgx/certification/v4/qe/identity?update=standard',
      '/sgx/certification/v4/rootcacrl',
      '/sgx/certification/v4/tcb?fmspc=00A067110000',
    ])
    const v = verifyQuote(sgxQuote, prepareCollateral(col, undefined, SGX_NOW), { now: SGX_NOW })
    expect(v.tcbStatus).toBe('ConfigurationAndSWHardeningNeeded')
    expect(v.advisoryIds).toEqual(['INTEL-SA-00289', 'INTEL-SA-00615'])
  })

  it('feeds createDcapVerifier through collateralProviderFor (TDX, platform CA)', async () => {
    pcs = await startFakePcs({ tdx: vectorCollateral('tdx_quote') })
    const provider = collateralProviderFor({ url: pcs.url, now: () => TDX_NOW })
    const col = await provider(tdxQuote)
    expect(pcs.requests).toContain('/tdx/certification/v4/tcb?fmspc=B0C06F000000')
    expect(pcs.requests).toContain('/sgx/certification/v4/pckcrl?ca=platform&encoding=der')
    const v = verifyQuote(tdxQuote, prepareCollateral(col, undefined, TDX_NOW), { now: TDX_NOW })
    expect(v.tcbStatus).toBe('UpToDate')
    expect(typeof createDcapVerifier({ collateralProvider: provider }).verify).toBe('function')
  })

  it('serves a second call from the cache (memory, then disk) without HTTP', async () => {
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    const cacheDir = tempDir()
    const a = createPccsClient({ url: pcs.url, cacheDir, now: () => SGX_NOW })
    const first = await a.collateralForQuote(sgxQuote)
    expect(pcs.requests).toHaveLength(4)
    expect(await a.collateralForQuote(sgxQuote)).toBe(first)
    expect(readdirSync(cacheDir).sort()).toEqual([
      'pckcrl-processor.json',
      'qe-sgx.json',
      'rootcacrl.json',
      'tcb-sgx-00A067110000.json',
    ])
    const b = createPccsClient({ url: pcs.url, cacheDir, now: () => SGX_NOW })
    expect(await b.collateralForQuote(sgxQuote)).toEqual(first)
    expect(pcs.requests).toHaveLength(4)
  })

  it('refetches exactly the items past their nextUpdate', async () => {
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    let now = SGX_NOW
    const client = createPccsClient({ url: pcs.url, now: () => now })
    await client.collateralForQuote(sgxQuote)
    pcs.requests.length = 0
    // nextUpdate: QE identity 10:01:18Z, PCK CRL 10:23:18Z, TCB info 10:56:11Z (2025-07-19): only QE identity is stale.
    now = Date.parse('2025-07-19T10:10:00Z') / 1000
    await client.collateralForQuote(sgxQuote)
    expect(pcs.requests).toEqual(['/sgx/certification/v4/qe/identity?update=standard'])
  })

  it('offline mode uses the cache only and says what is missing or expired', async () => {
    const cacheDir = tempDir()
    const offline = (now: number) =>
      createPccsClient({ url: 'http://127.0.0.1:9', cacheDir, offline: true, now: () => now })
    await expect(offline(SGX_NOW).collateralForQuote(sgxQuote)).rejects.toMatchObject({ code: 'PCCS_OFFLINE_MISSING' })
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    await createPccsClient({ url: pcs.url, cacheDir, now: () => SGX_NOW }).collateralForQuote(sgxQuote)
    await pcs.close()
    pcs = undefined
    const col = await offline(SGX_NOW).collateralForQuote(sgxQuote)
    expect(verifyQuote(sgxQuote, prepareCollateral(col, undefined, SGX_NOW), { now: SGX_NOW }).tcbStatus).toBe(
      'ConfigurationAndSWHardeningNeeded',
    )
    await expect(offline(SGX_NOW + 40 * 86400).collateralForQuote(sgxQuote)).rejects.toMatchObject({
      code: 'PCCS_COLLATERAL_EXPIRED',
    })
  })

  it('treats a corrupt cache file as missing', async () => {
    const cacheDir = tempDir()
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    await createPccsClient({ url: pcs.url, cacheDir, now: () => SGX_NOW }).collateralForQuote(sgxQuote)
    writeFileSync(join(cacheDir, 'qe-sgx.json'), '{not json')
    const c = createPccsClient({ url: 'http://127.0.0.1:9', cacheDir, offline: true, now: () => SGX_NOW })
    await expect(c.collateralForQuote(sgxQuote)).rejects.toMatchObject({
      code: 'PCCS_OFFLINE_MISSING',
      meta: { what: 'qe-sgx' },
    })
  })

  it('turns server errors, missing headers and dead servers into clear errors', async () => {
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    pcs.failures.set('/sgx/certification/v4/tcb', 503)
    await expect(
      createPccsClient({ url: pcs.url, now: () => SGX_NOW }).collateralForQuote(sgxQuote),
    ).rejects.toMatchObject({
      code: 'PCCS_HTTP_STATUS',
      meta: { what: 'tcb', status: 503 },
    })
    await expect(
      createPccsClient({ url: 'http://127.0.0.1:9', now: () => SGX_NOW, timeoutMs: 2000 }).collateralForQuote(sgxQuote),
    ).rejects.toMatchObject({ code: 'PCCS_UNREACHABLE' })
    expect(() => createPccsClient({ url: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'PCCS_INVALID_CONFIG' }))
  })

  it('falls back to the root CA CRL distribution point when the server has no /rootcacrl', async () => {
    pcs = await startFakePcs({ sgx: vectorCollateral('sgx_quote') })
    pcs.failures.set('/sgx/certification/v4/rootcacrl', 404)
    const client = createPccsClient({ url: pcs.url, now: () => SGX_NOW, rootCaCrlUrl: `${pcs.url}/elsewhere/root.der` })
    await expect(client.collateralForQuote(sgxQuote)).rejects.toMatchObject({
      code: 'PCCS_HTTP_STATUS',
      meta: { what: 'rootcacrl' },
    })
    expect(pcs.requests).toContain('/elsewhere/root.der')
  })
})
