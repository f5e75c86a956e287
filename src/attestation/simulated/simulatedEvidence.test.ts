/**
 * Simulated evidence through the production DCAP verifier (ported from the former verifySimulatedQuote tests):
 * every refusal asserts its DcapError code.
 */
import { sha256, sha384 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, SecretBytes, toHex, utf8ToBytes } from '../../crypto/index.js'
import type { Collateral } from '../dcap/collateral.js'
import { createDcapVerifier } from '../dcap/createDcapVerifier.js'
import { DcapError } from '../dcap/errors.js'
import { parseDcapQuote, pckChainDersOf } from '../dcap/verifyQuote.js'
import { decodeVersionedAttestation, encodeVersionedAttestation } from '../dstack/index.js'
import { AttestationError } from '../errors.js'
import { derToPem, INTEL_QE_VENDOR_ID, parseQuote } from '../quote/index.js'
import type { Attestation, RuntimeEvent, TcbStatus } from '../types.js'
import { createVerifier } from '../verifier.js'
import { buildSimulatedQuote } from './buildSimulatedQuote.js'
import { SIMULATED_FMSPC } from './constants.js'
import { dcapCollateral, dcapKey, issueDcapCrl, signP256Raw } from './dcapPki.js'
import {
  createSimulatedRootCa,
  issueSimulatedCollateral,
  issueSimulatedPck,
  issueSimulatedPckCa,
  issueSimulatedTcbSigner,
  type SimulatedTcb,
  simulatedFmspc,
  simulatedQeIdentity,
  simulatedTcbInfo,
} from './simulatedCa.js'
import { createSimulatedDcapVerifier, type SimulatedTrustAnchor } from './simulatedTrust.js'

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

/** One simulated vendor: its PKI, and collateral per FMSPC as `SimulatedVendor` keeps it. */
interface Vendor {
  rootDer: Uint8Array
  pckCaDer: Uint8Array
  tcbSignerDer: Uint8Array
  collateral: Map<string, Collateral>
  anchor: SimulatedTrustAnchor
  issueCollateral(tcb: SimulatedTcb): Promise<Uint8Array>
}
const vendors = new Map<number, Promise<Vendor>>()
function vendor(seed = 1): Promise<Vendor> {
  let v = vendors.get(seed)
  if (!v) {
    v = makeVendor(seed)
    vendors.set(seed, v)
  }
  return v
}
async function makeVendor(seed: number): Promise<Vendor> {
  const [rootKey, pckCaKey, tcbSigningKey] = [key(seed), key(seed + 100), key(seed + 200)]
  const rootDer = await createSimulatedRootCa({ key: rootKey, notBefore: NOT_BEFORE })
  const issued = { rootCertDer: rootDer, rootKey, notBefore: NOT_BEFORE }
  const pckCaDer = await issueSimulatedPckCa({ ...issued, key: pckCaKey })
  const tcbSignerDer = await issueSimulatedTcbSigner({ ...issued, key: tcbSigningKey })
  const collateral = new Map<string, Collateral>()
  const issueCollateral = async (tcb: SimulatedTcb) => {
    const fmspc = simulatedFmspc(tcb)
    collateral.set(
      toHex(fmspc).toUpperCase(),
      await issueSimulatedCollateral({
        rootCertDer: rootDer,
        rootKey,
        pckCaCertDer: pckCaDer,
        pckCaKey,
        tcbSigningCertDer: tcbSignerDer,
        tcbSigningKey,
        tcb,
        issueDate: NOT_BEFORE,
      }),
    )
    return fmspc
  }
  await issueCollateral({ tcbStatus: 'UpToDate', advisoryIds: [] })
  return {
    rootDer,
    pckCaDer,
    tcbSignerDer,
    collateral,
    anchor: { rootCertDer: rootDer, collateralFor: (f) => collateral.get(f) },
    issueCollateral,
  }
}

interface Fixture {
  v: Vendor
  pckDer: Uint8Array
  att: Attestation
}
const cache = new Map<string, Promise<Fixture>>()
type FixtureOpts = { tcbStatus?: Exclude<TcbStatus, ''>; debug?: boolean; noCollateral?: boolean }
function fixture(opts: FixtureOpts = {}) {
  const k = JSON.stringify(opts)
  if (!cache.has(k)) cache.set(k, makeFixture(opts))
  return cache.get(k)!
}
async function makeFixture(opts: FixtureOpts): Promise<Fixture> {
  const v = await vendor()
  const tcb: SimulatedTcb = { tcbStatus: opts.tcbStatus ?? 'SWHardeningNeeded', advisoryIds: ['INTEL-SA-00001'] }
  const fmspc = opts.noCollateral ? simulatedFmspc(tcb) : await v.issueCollateral(tcb)
  const pckDer = await issueSimulatedPck({
    pckCaCertDer: v.pckCaDer,
    pckCaKey: key(101),
    pckKey: key(2),
    ppid,
    fmspc,
    notBefore: NOT_BEFORE,
  })
  const quote = buildSimulatedQuote({
    pckKey: key(2),
    attestationKey: key(3),
    certChainDer: [pckDer, v.pckCaDer, v.rootDer],
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
  return { v, pckDer, att }
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    expect(e instanceof DcapError || e instanceof AttestationError).toBe(true)
    return (e as DcapError).code
  }
  return 'NO_ERROR'
}

const quoteOf = (att: Attestation): Uint8Array => {
  if (att.quote.type !== 'tdx') throw new Error('tdx expected')
  return att.quote.quote
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
/** Edit header ‖ TD report of a simulated quote, then re-sign it with the attestation key (a forger's quote). */
function resigned(quote: Uint8Array, edit: (signedRegion: Uint8Array) => void): Uint8Array {
  const q = parseQuote(quote)
  const out = quote.slice()
  edit(out.subarray(0, q.signedLength))
  out.set(signP256Raw(dcapKey(key(3)), out.subarray(0, q.signedLength)), q.signedLength + 4)
  return out
}

const simulatedVerifier = async (o: { allowDebug?: boolean } = {}) =>
  createSimulatedDcapVerifier([(await vendor()).anchor], o)

describe('simulated TEE attest → DCAP verify round trip', () => {
  it('derives the dstack identity exactly', async () => {
    const { att } = await fixture()
    // the wire format survives too
    const wire = decodeVersionedAttestation(encodeVersionedAttestation(att))
    const id = await (await simulatedVerifier()).verify(wire, { now: NOW, expectedReportData: reportData64 })

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
    // the TCB verdict is the simulated TCB Info level of the PCK's FMSPC
    expect(id.tcbStatus).toBe('SWHardeningNeeded')
    expect(id.advisoryIds).toEqual(['INTEL-SA-00001'])
    expect(id.debug).toBe(false)
    expect(id.measurements.mrTd).toEqual(label('mrtd'))
    expect(id.measurements.rtmr?.[3]).toEqual(rtmr3)
    expect(id.measurements.rawDeviceId).toEqual(ppid)
  })

  it('emits a real TDX v4 layout with the simulated vendor id, an Intel-shaped chain and SEPT_VE_DISABLE', async () => {
    const { att, pckDer, v } = await fixture()
    const q = parseQuote(quoteOf(att))
    expect(q.header).toMatchObject({ version: 4, attKeyType: 2, teeType: 0x81 })
    expect(new TextDecoder().decode(q.header.qeVendorId)).toBe('CUSTOS-SIMULATED')
    expect(q.signedLength).toBe(632)
    expect(q.signature.outerCertificationData?.type).toBe(6)
    expect(q.pckChainDer).toEqual([pckDer, v.pckCaDer, v.rootDer])
    if (q.body.type !== 'td10') throw new Error('td10 expected')
    expect((q.body.tdAttributes[3] as number) & 0x10).toBe(0x10)
    expect((q.body.tdAttributes[0] as number) & 1).toBe(0)
    const binding = sha256(concatBytes(q.signature.attestationPublicKey, q.signature.qeAuthData))
    expect(q.signature.qeReport.reportData.subarray(0, 32)).toEqual(binding)
    expect(q.signature.attestationPublicKey).toEqual(dcapKey(key(3)).rawXY)
    // the verifier parses without decoding the PEM chain, and decodes it only for chains it has not seen
    expect(parseDcapQuote(quoteOf(att)).pckChainDer).toEqual([])
    expect(pckChainDersOf(parseDcapQuote(quoteOf(att)))).toEqual(q.pckChainDer)
  })

  it('prepares each FMSPC collateral once and reuses it', async () => {
    const { att, v } = await fixture()
    let calls = 0
    const counting: SimulatedTrustAnchor = {
      rootCertDer: v.rootDer,
      collateralFor: (f) => {
        calls++
        return v.collateral.get(f)
      },
    }
    const verifier = createSimulatedDcapVerifier([counting])
    for (let i = 0; i < 3; i++) expect((await verifier.verify(att, { now: NOW })).platform).toBe('simulated')
    expect(calls).toBe(3)
  })
})

describe('tampering with any region is rejected with the right DCAP code', () => {
  const verify = async (att: Attestation) => (await simulatedVerifier()).verify(att, { now: NOW })
  const tamper = async (region: (q: ReturnType<typeof parseQuote>, raw: Uint8Array) => number) => {
    const { att } = await fixture()
    const raw = quoteOf(att)
    return withQuote(att, flip(raw, region(parseQuote(raw), raw)))
  }
  const off = (q: ReturnType<typeof parseQuote>, part: Uint8Array) => part.byteOffset - q.raw.byteOffset

  it('header (user_data byte) → quote signature', async () => {
    expect(await code(verify(await tamper(() => 30)))).toBe('DCAP_QUOTE_SIGNATURE')
  })
  it('header vendor id → not CUSTOS-SIMULATED: DCAP_QE_VENDOR (and createVerifier no longer routes it here)', async () => {
    const att = await tamper(() => 12)
    expect(await code(verify(att))).toBe('DCAP_QE_VENDOR')
    const v = createVerifier({ trustSimulated: true, simulatedRoots: [(await vendor()).anchor] })
    expect(await code(v.verify(att, { now: NOW }))).toBe('ATTESTATION_UNSUPPORTED')
  })
  it('TD report body (MRTD) → quote signature', async () => {
    expect(await code(verify(await tamper(() => 48 + 136)))).toBe('DCAP_QUOTE_SIGNATURE')
  })
  it('TD report body (report_data) → quote signature', async () => {
    expect(await code(verify(await tamper(() => 600)))).toBe('DCAP_QUOTE_SIGNATURE')
  })
  it('quote signature', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.quoteSignature) + 5)))).toBe('DCAP_QUOTE_SIGNATURE')
  })
  it('attestation public key → QE binding', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.attestationPublicKey) + 7)))).toBe(
      'DCAP_QE_BINDING',
    )
  })
  it('QE report → QE report signature', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.qeReportRaw) + 100)))).toBe(
      'DCAP_QE_REPORT_SIGNATURE',
    )
  })
  it('QE report signature', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.qeReportSignature) + 40)))).toBe(
      'DCAP_QE_REPORT_SIGNATURE',
    )
  })
  it('QE auth data → binding broken', async () => {
    expect(await code(verify(await tamper((q) => off(q, q.signature.qeAuthData))))).toBe('DCAP_QE_BINDING')
  })
  const replaceCert = async (der: Uint8Array, bad: Uint8Array) => {
    const { att } = await fixture()
    const good = quoteOf(att)
    const q = parseQuote(good)
    const text = Buffer.from(q.signature.certificationData.data).toString('latin1')
    const badText = text.replace(derToPem(der), derToPem(bad))
    expect(badText).not.toBe(text)
    const raw = good.slice()
    raw.set(Buffer.from(badText, 'latin1'), off(q, q.signature.certificationData.data))
    return withQuote(att, raw)
  }
  it('PCK leaf certificate bytes (inside the PEM) → chain signature fails', async () => {
    const { pckDer } = await fixture()
    // change one byte of the leaf subject CN ("SIMULATED" → "SIMULATEE"), keep the PEM well-formed
    const cnAt = Buffer.from(pckDer).indexOf('Custos SIMULATED PCK')
    expect(await code(verify(await replaceCert(pckDer, flip(pckDer, cnAt + 15))))).toBe('DCAP_CERT_CHAIN')
  })
  it('PCK CA certificate bytes → chain signature fails', async () => {
    const { v } = await fixture()
    const cnAt = Buffer.from(v.pckCaDer).indexOf('Custos SIMULATED PCK Platform')
    expect(await code(verify(await replaceCert(v.pckCaDer, flip(v.pckCaDer, cnAt + 15))))).toBe('DCAP_CERT_CHAIN')
  })
  it('root certificate bytes → untrusted root', async () => {
    const { att, v } = await fixture()
    const q = parseQuote(quoteOf(att))
    const text = Buffer.from(q.signature.certificationData.data).toString('latin1')
    const b64 = Buffer.from(v.rootDer).toString('base64').slice(0, 64)
    const i = text.indexOf(b64) + 30
    const raw = quoteOf(att).slice()
    const at = off(q, q.signature.certificationData.data) + i
    raw[at] = raw[at] === 0x41 ? 0x42 : 0x41
    expect(await code(verify(withQuote(att, raw)))).toBe('DCAP_UNTRUSTED_ROOT')
  })
  it('runtime event payload → event log mismatch', async () => {
    const { att } = await fixture()
    const runtimeEvents = att.runtimeEvents.map((e) =>
      e.event === 'compose-hash' ? { event: e.event, payload: flip(e.payload, 0) } : e,
    )
    expect(await code(verify({ ...att, runtimeEvents }))).toBe('DCAP_EVENT_LOG_MISMATCH')
  })
  it('dropped runtime event → event log mismatch', async () => {
    const { att } = await fixture()
    expect(await code(verify({ ...att, runtimeEvents: att.runtimeEvents.slice(0, -1) }))).toBe(
      'DCAP_EVENT_LOG_MISMATCH',
    )
  })
  it('claimed os_image_hash → measurement mismatch; none claimed → measurement mismatch', async () => {
    const { att } = await fixture()
    const config = JSON.stringify({ os_image_hash: toHex(sha256(utf8ToBytes('other image'))) })
    expect(await code(verify({ ...att, config }))).toBe('DCAP_MEASUREMENT_MISMATCH')
    expect(await code(verify({ ...att, config: '' }))).toBe('DCAP_MEASUREMENT_MISMATCH')
  })
  it('MRTD that does not match os_image_hash, correctly signed → measurement mismatch', async () => {
    const { att } = await fixture()
    const forged = resigned(quoteOf(att), (r) => {
      r[48 + 136] = (r[48 + 136] as number) ^ 1
    })
    expect(await code(verify(withQuote(att, forged)))).toBe('DCAP_MEASUREMENT_MISMATCH')
  })
  it('non-zero mr_signer_seam, correctly signed → TDX module mismatch', async () => {
    const { att } = await fixture()
    const forged = resigned(quoteOf(att), (r) => {
      r[48 + 64] = 1
    })
    expect(await code(verify(withQuote(att, forged)))).toBe('DCAP_TDX_MODULE_MISMATCH')
  })
  it('SEPT_VE_DISABLE cleared, correctly signed → TD attributes', async () => {
    const { att } = await fixture()
    const forged = resigned(quoteOf(att), (r) => {
      r[48 + 120 + 3] = 0
    })
    expect(await code(verify(withQuote(att, forged)))).toBe('DCAP_TD_ATTRIBUTES')
  })
  it("Intel's QE vendor id under a simulated chain, correctly signed → QE vendor", async () => {
    const { att } = await fixture()
    const forged = resigned(quoteOf(att), (r) => r.set(INTEL_QE_VENDOR_ID, 12))
    expect(await code(verify(withQuote(att, forged)))).toBe('DCAP_QE_VENDOR')
  })
  it("attestation report_data differs from the quote's", async () => {
    const { att } = await fixture()
    expect(await code(verify({ ...att, reportData: flip(att.reportData, 3) }))).toBe('DCAP_REPORT_DATA_MISMATCH')
  })
  it('truncated quote → malformed', async () => {
    const { att } = await fixture()
    expect(await code(verify(withQuote(att, quoteOf(att).subarray(0, 700))))).toBe('DCAP_QUOTE_MALFORMED')
  })
})

describe('policy-level refusals', () => {
  it('untrusted simulated root', async () => {
    const { att } = await fixture()
    const other = await vendor(9)
    expect(await code(createSimulatedDcapVerifier([other.anchor]).verify(att, { now: NOW }))).toBe(
      'DCAP_UNTRUSTED_ROOT',
    )
    expect(await code(createSimulatedDcapVerifier([]).verify(att, { now: NOW }))).toBe('DCAP_UNTRUSTED_ROOT')
    // collateral of another vendor served under this root: its chains end elsewhere
    const mixed: SimulatedTrustAnchor = {
      rootCertDer: (await vendor()).rootDer,
      collateralFor: other.anchor.collateralFor,
    }
    expect(await code(createSimulatedDcapVerifier([mixed]).verify(att, { now: NOW }))).toBe('DCAP_UNTRUSTED_ROOT')
  })
  it('expected report_data mismatch', async () => {
    const { att } = await fixture()
    const p = (await simulatedVerifier()).verify(att, { now: NOW, expectedReportData: new Uint8Array(64) })
    expect(await code(p)).toBe('DCAP_REPORT_DATA_MISMATCH')
  })
  it('Revoked TCB', async () => {
    const { att } = await fixture({ tcbStatus: 'Revoked' })
    expect(await code((await simulatedVerifier()).verify(att, { now: NOW }))).toBe('DCAP_TCB_REVOKED')
  })
  it('OutOfDate TCB is reported, not refused (policy decides)', async () => {
    const { att } = await fixture({ tcbStatus: 'OutOfDate' })
    const id = await (await simulatedVerifier()).verify(att, { now: NOW })
    expect([id.tcbStatus, id.advisoryIds]).toEqual(['OutOfDate', ['INTEL-SA-00001']])
  })
  it('a PCK whose FMSPC the vendor issued no TCB Info for → FMSPC mismatch', async () => {
    const { att } = await fixture({ tcbStatus: 'ConfigurationNeeded', noCollateral: true })
    expect(await code((await simulatedVerifier()).verify(att, { now: NOW }))).toBe('DCAP_FMSPC_MISMATCH')
  })
  it('a trusted vendor without collateral → DCAP_COLLATERAL_MISSING', async () => {
    const { att, v } = await fixture()
    const bare: SimulatedTrustAnchor = { rootCertDer: v.rootDer, collateralFor: () => undefined }
    expect(await code(createSimulatedDcapVerifier([bare]).verify(att, { now: NOW }))).toBe('DCAP_COLLATERAL_MISSING')
  })
  it('debug TD refused unless allowed', async () => {
    const { att } = await fixture({ debug: true })
    expect(await code((await simulatedVerifier()).verify(att, { now: NOW }))).toBe('DCAP_DEBUG')
    const id = await (await simulatedVerifier({ allowDebug: true })).verify(att, { now: NOW })
    expect(id.debug).toBe(true)
  })
  it('certificates and collateral outside their validity window', async () => {
    const { att } = await fixture()
    const before = Math.floor(NOT_BEFORE.getTime() / 1000) - 10
    expect(await code((await simulatedVerifier()).verify(att, { now: before }))).toBe('DCAP_EXPIRED')
    const after = NOW + 50 * 365 * 86400
    expect(await code((await simulatedVerifier()).verify(att, { now: after }))).toBe('DCAP_EXPIRED')
  })
})

describe('collateral checks apply to simulated evidence', () => {
  /** The fixture's collateral rebuilt with edits (re-signed by the vendor's keys). */
  async function collateral(o: { pckRevoked?: string[]; tcbInfo?: (json: string) => string } = {}) {
    const v = await vendor()
    const tcb: SimulatedTcb = { tcbStatus: 'SWHardeningNeeded', advisoryIds: ['INTEL-SA-00001'] }
    const fmspc = simulatedFmspc(tcb)
    const window = { thisUpdate: NOT_BEFORE, nextUpdate: new Date(Date.UTC(2030, 0, 1)) }
    const tcbInfo = simulatedTcbInfo({ fmspc, tcb, issueDate: NOT_BEFORE, nextUpdate: window.nextUpdate })
    const c = dcapCollateral({
      rootCertDer: v.rootDer,
      pckCaCertDer: v.pckCaDer,
      tcbSigningCertDer: v.tcbSignerDer,
      tcbSigningKey: dcapKey(key(201)),
      rootCrlDer: await issueDcapCrl({ issuer: { certDer: v.rootDer, key: dcapKey(key(1)) }, ...window }),
      pckCrlDer: await issueDcapCrl({
        issuer: { certDer: v.pckCaDer, key: dcapKey(key(101)) },
        ...window,
        revokedSerials: o.pckRevoked ?? [],
      }),
      tcbInfo,
      qeIdentity: simulatedQeIdentity({ issueDate: NOT_BEFORE, nextUpdate: window.nextUpdate }),
    })
    return { v, fmspc: toHex(fmspc).toUpperCase(), c: o.tcbInfo ? { ...c, tcb_info: o.tcbInfo(c.tcb_info) } : c }
  }
  const verifyWith = async (c: Collateral, fmspc: string) => {
    const { att, v } = await fixture()
    const anchor: SimulatedTrustAnchor = {
      rootCertDer: v.rootDer,
      collateralFor: (f) => (f === fmspc ? c : undefined),
    }
    return createSimulatedDcapVerifier([anchor]).verify(att, { now: NOW })
  }

  it('a revoked PCK leaf → DCAP_PCK_REVOKED', async () => {
    const { pckDer } = await fixture()
    const serial = new (await import('@peculiar/x509')).X509Certificate(pckDer).serialNumber
    const ok = await collateral()
    expect((await verifyWith(ok.c, ok.fmspc)).tcbStatus).toBe('SWHardeningNeeded')
    const r = await collateral({ pckRevoked: [serial] })
    expect(await code(verifyWith(r.c, r.fmspc))).toBe('DCAP_PCK_REVOKED')
  })
  it('TCB Info edited after signing → DCAP_TCB_INFO_SIGNATURE', async () => {
    const r = await collateral({ tcbInfo: (j) => j.replace('SWHardeningNeeded', 'UpToDate') })
    expect(await code(verifyWith(r.c, r.fmspc))).toBe('DCAP_TCB_INFO_SIGNATURE')
  })
})

describe('which roots the DCAP verifier trusts', () => {
  it('a simulated quote is refused by a verifier of real roots, whatever its chain', async () => {
    const { att } = await fixture()
    const c = (await vendor()).collateral.get(toHex(SIMULATED_FMSPC).toUpperCase())
    // Intel's root: the simulated collateral (and chain) end in a root it does not trust
    const intel = createDcapVerifier({ collateralProvider: async () => c })
    expect(await code(intel.verify(att, { now: NOW }))).toBe('DCAP_UNTRUSTED_ROOT')
    // even when that verifier is told to trust the simulated root as a (test) Intel-shaped root
    const asTest = createDcapVerifier({ trustedRootDer: (await vendor()).rootDer, collateralProvider: async () => c })
    expect(await code(asTest.verify(att, { now: NOW }))).toBe('DCAP_QE_VENDOR')
  })
  it("a simulated verifier needs a root, and never Intel's", async () => {
    const { intelSgxRootCaDer } = await import('../dcap/prepareCollateral.js')
    const make = (trustedRootDer?: Uint8Array) => () =>
      createDcapVerifier({
        simulated: true,
        collateralProvider: async () => ({}),
        ...(trustedRootDer ? { trustedRootDer } : {}),
      })
    expect(make()).toThrow(expect.objectContaining({ code: 'DCAP_UNTRUSTED_ROOT' }))
    expect(make(intelSgxRootCaDer())).toThrow(expect.objectContaining({ code: 'DCAP_UNTRUSTED_ROOT' }))
  })
})

describe('createVerifier dispatch', () => {
  it('refuses simulated evidence unless trusted, naming the setting', async () => {
    const { att, v } = await fixture()
    const untrusting = createVerifier({ trustSimulated: false, simulatedRoots: [v.anchor] })
    const err = await untrusting.verify(att, { now: NOW }).catch((e: AttestationError) => e)
    expect(err).toBeInstanceOf(AttestationError)
    expect((err as AttestationError).code).toBe('ATTESTATION_SIMULATED_NOT_TRUSTED')
    expect((err as AttestationError).message).toContain('trust_simulated = true')
    const ok = createVerifier({ trustSimulated: true, simulatedRoots: [v.anchor] })
    expect((await ok.verify(att, { now: NOW })).platform).toBe('simulated')
  })
  it('passes allowDebug to the simulated DCAP verifier', async () => {
    const { att, v } = await fixture({ debug: true })
    const strict = createVerifier({ trustSimulated: true, simulatedRoots: [v.anchor] })
    expect(await code(strict.verify(att, { now: NOW }))).toBe('DCAP_DEBUG')
    const lax = createVerifier({ trustSimulated: true, simulatedRoots: [v.anchor], allowDebug: true })
    expect((await lax.verify(att, { now: NOW })).debug).toBe(true)
  })
  it('chooses the DCAP instance by the root that ends the chain', async () => {
    const { att, v } = await fixture()
    const other = await vendor(9)
    const both = createVerifier({ trustSimulated: true, simulatedRoots: [other.anchor, v.anchor] })
    expect((await both.verify(att, { now: NOW })).platform).toBe('simulated')
  })
})
