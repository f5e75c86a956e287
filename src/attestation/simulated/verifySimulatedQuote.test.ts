import { p256 } from '@noble/curves/nist.js'
import { sha256, sha384 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, SecretBytes, toHex, utf8ToBytes } from '../../crypto/index.js'
import { decodeVersionedAttestation, encodeVersionedAttestation } from '../dstack/index.js'
import { AttestationError } from '../errors.js'
import { derToPem, parseQuote } from '../quote/index.js'
import type { Attestation, RuntimeEvent, TcbStatus } from '../types.js'
import { createVerifier } from '../verifier.js'
import { buildSimulatedQuote } from './buildSimulatedQuote.js'
import { createSimulatedRootCa, issueSimulatedPck } from './simulatedCa.js'
import { verifySimulatedQuote } from './verifySimulatedQuote.js'

const NOW = Math.floor(Date.UTC(2026, 0, 15) / 1000)
const NOT_BEFORE = new Date(Date.UTC(2026, 0, 1))
const key = (seed: number) => new SecretBytes(sha256(Uint8Array.of(seed)).map((b, i) => (i === 0 ? b & 0x7f : b)))

const compose = '{"manifest_version":2,"name":"demo","runner":"docker-compose"}'
const composeHash = sha256(utf8ToBytes(compose))
const appId = composeHash.slice(0, 20)
const instanceId = Uint8Array.from({ length: 20 }, (_, i) => i + 1)
const osImageHash = sha256(utf8ToBytes('os image'))
const ppid = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
const keyProvider = utf8ToBytes('{"name":"kms","id":"abcd"}')
const reportData = sha256(utf8ToBytes('rd')).slice(0, 32)
const reportData64 = concatBytes(reportData, reportData)

const events: RuntimeEvent[] = [
  { event: 'system-preparing', payload: new Uint8Array(0) },
  { event: 'app-id', payload: appId },
  { event: 'compose-hash', payload: composeHash },
  { event: 'instance-id', payload: instanceId },
  { event: 'boot-mr-done', payload: new Uint8Array(0) },
  { event: 'os-image-hash', payload: osImageHash },
  { event: 'key-provider', payload: keyProvider },
  { event: 'system-ready', payload: new Uint8Array(0) },
  // an app event after system-ready cannot spoof identity fields
  { event: 'app-id', payload: new Uint8Array(20).fill(0xee) },
]

interface Fixture {
  rootDer: Uint8Array
  pckDer: Uint8Array
  att: Attestation
}
const cache = new Map<string, Promise<Fixture>>()
function fixture(opts: { tcbStatus?: Exclude<TcbStatus, ''>; debug?: boolean; rootSeed?: number } = {}) {
  const k = JSON.stringify(opts)
  if (!cache.has(k)) cache.set(k, makeFixture(opts))
  return cache.get(k)!
}
async function makeFixture(opts: {
  tcbStatus?: Exclude<TcbStatus, ''>
  debug?: boolean
  rootSeed?: number
}): Promise<Fixture> {
  const rootKey = key(opts.rootSeed ?? 1)
  const rootDer = await createSimulatedRootCa({ key: rootKey, notBefore: NOT_BEFORE })
  const pckDer = await issueSimulatedPck({
    rootCertDer: rootDer,
    rootKey,
    pckKey: key(2),
    ppid,
    tcbStatus: opts.tcbStatus ?? 'SWHardeningNeeded',
    advisoryIds: ['INTEL-SA-00001'],
    notBefore: NOT_BEFORE,
  })
  const quote = buildSimulatedQuote({
    pckKey: key(2),
    attestationKey: key(3),
    certChainDer: [pckDer, rootDer],
    osImageHash,
    runtimeEvents: events,
    reportData: reportData64,
    debug: opts.debug ?? false,
  })
  const att: Attestation = {
    quote: { type: 'tdx', quote, eventLog: [] },
    runtimeEvents: events,
    reportData: reportData64,
    config: JSON.stringify({ os_image_hash: toHex(osImageHash) }),
  }
  return { rootDer, pckDer, att }
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(AttestationError)
    return (e as AttestationError).code
  }
  return 'NO_ERROR'
}

const withQuote = (att: Attestation, quote: Uint8Array): Attestation => ({
  ...att,
  quote: { type: 'tdx', quote, eventLog: [] },
})
const flip = (b: Uint8Array, at: number) => {
  const c = b.slice()
  c[at] = (c[at] as number) ^ 0x01
  return c
}

describe('simulated TEE attest → verify round trip', () => {
  it('derives the dstack identity exactly', async () => {
    const { rootDer, att } = await fixture()
    // the wire format survives too
    const wire = decodeVersionedAttestation(encodeVersionedAttestation(att))
    const id = await verifySimulatedQuote(
      wire,
      { now: NOW, expectedReportData: reportData64 },
      { trustedRoots: [rootDer] },
    )

    // independent computation of the expected values
    const label = (l: string) => sha384(concatBytes(utf8ToBytes(`custos-simulated-${l}:`), osImageHash))
    let rtmr3: Uint8Array = new Uint8Array(48)
    for (const e of events) {
      const typeLe = Uint8Array.of(1, 0, 0, 8)
      const digest = sha384(concatBytes(typeLe, utf8ToBytes(':'), utf8ToBytes(e.event), utf8ToBytes(':'), e.payload))
      rtmr3 = sha384(concatBytes(rtmr3, digest))
    }
    const mrAggregated = sha256(concatBytes(label('mrtd'), label('rtmr0'), label('rtmr1'), label('rtmr2'), rtmr3))
    const mrSystem = sha256(
      concatBytes(label('mrtd'), label('rtmr0'), label('rtmr1'), label('rtmr2'), sha256(keyProvider)),
    )

    expect(id.platform).toBe('simulated')
    expect(toHex(id.appId)).toBe(toHex(appId))
    expect(toHex(id.composeHash)).toBe(toHex(composeHash))
    expect(toHex(id.instanceId)).toBe(toHex(instanceId))
    expect(toHex(id.deviceId)).toBe(toHex(sha256(ppid)))
    expect(toHex(id.osImageHash)).toBe(toHex(osImageHash))
    expect(toHex(id.mrAggregated)).toBe(toHex(mrAggregated))
    expect(toHex(id.mrSystem)).toBe(toHex(mrSystem))
    expect(toHex(id.keyProviderInfo)).toBe(toHex(keyProvider))
    expect(id.reportData).toEqual(reportData64)
    expect(id.tcbStatus).toBe('SWHardeningNeeded')
    expect(id.advisoryIds).toEqual(['INTEL-SA-00001'])
    expect(id.debug).toBe(false)
    expect(id.measurements.mrTd).toEqual(label('mrtd'))
    expect(id.measurements.rtmr?.[3]).toEqual(rtmr3)
  })

  it('emits a real TDX v4 layout with the simulated vendor id and SEPT_VE_DISABLE', async () => {
    const { att, pckDer, rootDer } = await fixture()
    if (att.quote.type !== 'tdx') throw new Error('tdx expected')
    const q = parseQuote(att.quote.quote)
    expect(q.header).toMatchObject({ version: 4, attKeyType: 2, teeType: 0x81 })
    expect(new TextDecoder().decode(q.header.qeVendorId)).toBe('CUSTOS-SIMULATED')
    expect(q.signedLength).toBe(632)
    expect(q.signature.outerCertificationData?.type).toBe(6)
    expect(q.pckChainDer).toEqual([pckDer, rootDer])
    if (q.body.type !== 'td10') throw new Error('td10 expected')
    expect((q.body.tdAttributes[3] as number) & 0x10).toBe(0x10)
    expect((q.body.tdAttributes[0] as number) & 1).toBe(0)
    const binding = sha256(concatBytes(q.signature.attestationPublicKey, q.signature.qeAuthData))
    expect(q.signature.qeReport.reportData.subarray(0, 32)).toEqual(binding)
    expect(q.signature.attestationPublicKey).toEqual(p256.getPublicKey(key(3).expose(), false).subarray(1))
  })
})

describe('tampering with any region is rejected with the right code', () => {
  const verify = async (att: Attestation) => {
    const { rootDer } = await fixture()
    return verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [rootDer] })
  }
  const tamper = async (region: (q: ReturnType<typeof parseQuote>, raw: Uint8Array) => number) => {
    const { att } = await fixture()
    if (att.quote.type !== 'tdx') throw new Error('tdx expected')
    const raw = att.quote.quote
    return withQuote(att, flip(raw, region(parseQuote(raw), raw)))
  }
  const off = (q: ReturnType<typeof parseQuote>, part: Uint8Array) => part.byteOffset - q.raw.byteOffset

  it('header (user_data byte) → bad quote signature', async () => {
    expect(await code(verify(await tamper(() => 30)))).toBe('ATTESTATION_BAD_SIGNATURE')
  })
  it('header vendor id → not simulated → unsupported', async () => {
    expect(await code(verify(await tamper(() => 12)))).toBe('ATTESTATION_UNSUPPORTED')
  })
  it('TD report body (MRTD) → bad quote signature', async () => {
    expect(await code(verify(await tamper(() => 48 + 136)))).toBe('ATTESTATION_BAD_SIGNATURE')
  })
  it('TD report body (report_data) → bad quote signature', async () => {
    expect(await code(verify(await tamper(() => 600)))).toBe('ATTESTATION_BAD_SIGNATURE')
  })
  it('quote signature', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.quoteSignature) + 5)))).toBe(
      'ATTESTATION_BAD_SIGNATURE',
    )
  })
  it('attestation public key', async () => {
    const c = await code(verify(await tamper((q) => off(q, q.signature.attestationPublicKey) + 7)))
    expect(['ATTESTATION_QE_BINDING']).toContain(c)
  })
  it('QE report', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.qeReportRaw) + 100)))).toBe(
      'ATTESTATION_BAD_SIGNATURE',
    )
  })
  it('QE report signature', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.qeReportSignature) + 40)))).toBe(
      'ATTESTATION_BAD_SIGNATURE',
    )
  })
  it('QE auth data → binding broken', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.qeAuthData))))).toBe('ATTESTATION_QE_BINDING')
  })
  it('PCK leaf certificate bytes (inside the PEM) → leaf signature fails', async () => {
    const { att, pckDer } = await fixture()
    if (att.quote.type !== 'tdx') throw new Error('tdx expected')
    // change one byte of the leaf subject CN ("SIMULATED" → "SIMULATEE"), keep the PEM well-formed
    const cnAt = Buffer.from(pckDer).indexOf('Custos SIMULATED PCK')
    const badLeaf = flip(pckDer, cnAt + 15)
    const good = att.quote.quote
    const q = parseQuote(good)
    const text = Buffer.from(q.signature.certificationData.data).toString('latin1')
    const badText = text.replace(derToPem(pckDer), derToPem(badLeaf))
    expect(badText).not.toBe(text)
    const raw = good.slice()
    raw.set(Buffer.from(badText, 'latin1'), off(q, q.signature.certificationData.data))
    expect(await code(verify(withQuote(att, raw)))).toBe('ATTESTATION_BAD_SIGNATURE')
  })
  it('root certificate bytes → untrusted root', async () => {
    const { att, rootDer } = await fixture()
    if (att.quote.type !== 'tdx') throw new Error('tdx expected')
    const q = parseQuote(att.quote.quote)
    const text = Buffer.from(q.signature.certificationData.data).toString('latin1')
    const b64 = Buffer.from(rootDer).toString('base64').slice(0, 64)
    const i = text.indexOf(b64) + 30
    const raw = att.quote.quote.slice()
    const at = off(q, q.signature.certificationData.data) + i
    raw[at] = raw[at] === 0x41 ? 0x42 : 0x41
    expect(await code(verify(withQuote(att, raw)))).toBe('ATTESTATION_UNTRUSTED_ROOT')
  })
  it('runtime event payload → event log mismatch', async () => {
    const { att } = await fixture()
    const runtimeEvents = att.runtimeEvents.map((e) =>
      e.event === 'compose-hash' ? { event: e.event, payload: flip(e.payload, 0) } : e,
    )
    expect(await code(verify({ ...att, runtimeEvents }))).toBe('ATTESTATION_EVENT_LOG_MISMATCH')
  })
  it('dropped runtime event → event log mismatch', async () => {
    const { att } = await fixture()
    expect(await code(verify({ ...att, runtimeEvents: att.runtimeEvents.slice(0, -1) }))).toBe(
      'ATTESTATION_EVENT_LOG_MISMATCH',
    )
  })
  it('claimed os_image_hash → measurement mismatch', async () => {
    const { att } = await fixture()
    const config = JSON.stringify({ os_image_hash: toHex(sha256(utf8ToBytes('other image'))) })
    expect(await code(verify({ ...att, config }))).toBe('ATTESTATION_MEASUREMENT_MISMATCH')
  })
  it("attestation report_data differs from the quote's", async () => {
    const { att } = await fixture()
    expect(await code(verify({ ...att, reportData: flip(att.reportData, 3) }))).toBe('ATTESTATION_REPORT_DATA_MISMATCH')
  })
  it('truncated quote → malformed', async () => {
    const { att } = await fixture()
    if (att.quote.type !== 'tdx') throw new Error('tdx expected')
    expect(await code(verify(withQuote(att, att.quote.quote.subarray(0, 700))))).toBe('ATTESTATION_MALFORMED')
  })
})

describe('policy-level refusals', () => {
  it('untrusted simulated root', async () => {
    const { att } = await fixture()
    const other = await fixture({ rootSeed: 9 })
    expect(await code(verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [other.rootDer] }))).toBe(
      'ATTESTATION_UNTRUSTED_ROOT',
    )
    expect(await code(verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [] }))).toBe('ATTESTATION_UNTRUSTED_ROOT')
  })
  it('expected report_data mismatch', async () => {
    const { att, rootDer } = await fixture()
    const p = verifySimulatedQuote(
      att,
      { now: NOW, expectedReportData: new Uint8Array(64) },
      { trustedRoots: [rootDer] },
    )
    expect(await code(p)).toBe('ATTESTATION_REPORT_DATA_MISMATCH')
  })
  it('Revoked TCB', async () => {
    const { att, rootDer } = await fixture({ tcbStatus: 'Revoked' })
    expect(await code(verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [rootDer] }))).toBe(
      'ATTESTATION_TCB_REVOKED',
    )
  })
  it('OutOfDate TCB is reported, not refused (policy decides)', async () => {
    const { att, rootDer } = await fixture({ tcbStatus: 'OutOfDate' })
    const id = await verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [rootDer] })
    expect(id.tcbStatus).toBe('OutOfDate')
  })
  it('debug TD refused unless allowed', async () => {
    const { att, rootDer } = await fixture({ debug: true })
    expect(await code(verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [rootDer] }))).toBe('ATTESTATION_DEBUG')
    const id = await verifySimulatedQuote(att, { now: NOW }, { trustedRoots: [rootDer], allowDebug: true })
    expect(id.debug).toBe(true)
  })
  it('certificates outside their validity window', async () => {
    const { att, rootDer } = await fixture()
    const before = Math.floor(NOT_BEFORE.getTime() / 1000) - 10
    expect(await code(verifySimulatedQuote(att, { now: before }, { trustedRoots: [rootDer] }))).toBe(
      'ATTESTATION_EXPIRED',
    )
    const after = NOW + 50 * 365 * 86400
    expect(await code(verifySimulatedQuote(att, { now: after }, { trustedRoots: [rootDer] }))).toBe(
      'ATTESTATION_EXPIRED',
    )
  })
})

describe('createVerifier dispatch', () => {
  it('refuses simulated evidence unless trusted, naming the setting', async () => {
    const { att, rootDer } = await fixture()
    const v = createVerifier({ trustSimulated: false, simulatedRoots: [rootDer] })
    const err = await v.verify(att, { now: NOW }).catch((e: AttestationError) => e)
    expect(err).toBeInstanceOf(AttestationError)
    expect((err as AttestationError).code).toBe('ATTESTATION_SIMULATED_NOT_TRUSTED')
    expect((err as AttestationError).message).toContain('trust_simulated = true')
    const ok = createVerifier({ trustSimulated: true, simulatedRoots: [rootDer] })
    expect((await ok.verify(att, { now: NOW })).platform).toBe('simulated')
  })
  it('passes allowDebug to the simulated verifier', async () => {
    const { att, rootDer } = await fixture({ debug: true })
    const strict = createVerifier({ trustSimulated: true, simulatedRoots: [rootDer] })
    expect(await code(strict.verify(att, { now: NOW }))).toBe('ATTESTATION_DEBUG')
    const lax = createVerifier({ trustSimulated: true, simulatedRoots: [rootDer], allowDebug: true })
    expect((await lax.verify(att, { now: NOW })).debug).toBe(true)
  })
})
