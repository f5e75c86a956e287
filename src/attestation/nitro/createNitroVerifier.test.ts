import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { codeOfAsync } from '../../../test/support/errors.js'
import { readNitroVector } from '../../../test/support/nitro.js'
import { toHex } from '../../crypto/index.js'
import { decodeVersionedAttestation } from '../dstack/index.js'
import type { Attestation } from '../types.js'
import { createVerifier } from '../verifier.js'
import { createNitroVerifier } from './createNitroVerifier.js'
import { nitroRawDeviceId } from './identity.js'

const ATT = decodeVersionedAttestation(readNitroVector('dstack_nitro_attestation.bin'))
const NOW = 1766668537578 / 1000
const OS_IMAGE = 'e0e742bd62280472ea840647754203d599cb39a7966cfed11237c1e86de9c857'

describe('createNitroVerifier', () => {
  const verifier = createNitroVerifier()

  it('maps the dstack Nitro attestation to the dstack identity', async () => {
    expect(ATT.quote.type).toBe('nitro')
    const id = await verifier.verify(ATT, { now: NOW })
    expect(id.platform).toBe('nitro')
    expect(toHex(id.osImageHash)).toBe(OS_IMAGE)
    expect(id.mrSystem).toEqual(id.osImageHash)
    expect(id.mrAggregated).toEqual(id.osImageHash)
    expect(id.composeHash).toEqual(id.osImageHash)
    expect(id.deviceId).toEqual(sha256(new TextEncoder().encode('i-0827e799ec9232d44')))
    expect(id.instanceId).toHaveLength(0)
    expect(id.appId).toHaveLength(0)
    expect(id.keyProviderInfo).toHaveLength(0)
    expect(id.tcbStatus).toBe('')
    expect(id.advisoryIds).toEqual([])
    expect(id.debug).toBe(false)
    expect(id.reportData).toEqual(new Uint8Array(64))
    expect(Object.keys(id.measurements.pcrs ?? {})).toHaveLength(16)
    expect(toHex(id.measurements.pcrs?.[0] as Uint8Array).slice(0, 8)).toBe('5cb70295')
  })

  it('takes app_id from an app-id runtime event (unbound by any measurement)', async () => {
    const appId = new Uint8Array(20).fill(0xab)
    const att: Attestation = { ...ATT, runtimeEvents: [{ event: 'app-id', payload: appId }] }
    expect((await verifier.verify(att, { now: NOW })).appId).toEqual(appId)
  })

  it('works through the createVerifier dispatcher', async () => {
    const v = createVerifier({ trustSimulated: false, simulatedRoots: [], nitro: verifier })
    expect((await v.verify(ATT, { now: NOW })).platform).toBe('nitro')
  })

  it('refuses the document at the real current time', async () => {
    expect(await codeOfAsync(verifier.verify(ATT, { now: Date.now() / 1000 }))).toBe('NITRO_CERT_EXPIRED')
  })

  it("requires user_data to equal the envelope's report_data and expectedReportData", async () => {
    const other = new Uint8Array(64).fill(1)
    expect(await codeOfAsync(verifier.verify({ ...ATT, reportData: other }, { now: NOW }))).toBe(
      'NITRO_REPORT_DATA_MISMATCH',
    )
    expect(await codeOfAsync(verifier.verify(ATT, { now: NOW, expectedReportData: other }))).toBe(
      'NITRO_REPORT_DATA_MISMATCH',
    )
    expect(
      await codeOfAsync(verifier.verify(ATT, { now: NOW, expectedReportData: new Uint8Array(64) })),
    ).toBeUndefined()
  })

  it('refuses a config whose os_image_hash differs from the PCRs', async () => {
    const att = { ...ATT, config: `{"os_image_hash":"${'00'.repeat(32)}"}` }
    expect(await codeOfAsync(verifier.verify(att, { now: NOW }))).toBe('NITRO_OS_IMAGE_MISMATCH')
    expect(await codeOfAsync(verifier.verify({ ...ATT, config: '' }, { now: NOW }))).toBeUndefined()
  })

  it('refuses a TDX quote and an untrusted root', async () => {
    const tdx: Attestation = { ...ATT, quote: { type: 'tdx', quote: new Uint8Array(10), eventLog: [] } }
    expect(await codeOfAsync(verifier.verify(tdx, { now: NOW }))).toBe('NITRO_UNSUPPORTED')
    const other = createNitroVerifier({ trustedRootFingerprint: new Uint8Array(32) })
    expect(await codeOfAsync(other.verify(ATT, { now: NOW }))).toBe('NITRO_UNTRUSTED_ROOT')
  })
})

describe('nitroRawDeviceId', () => {
  it('is the EC2 instance id in front of the enclave suffix', () => {
    expect(new TextDecoder().decode(nitroRawDeviceId('i-0827e799ec9232d44-enc019b55a68bd2ed4b'))).toBe(
      'i-0827e799ec9232d44',
    )
    expect(new TextDecoder().decode(nitroRawDeviceId('mock-nsm'))).toBe('mock-nsm')
  })
})
