import { sha256 } from '@noble/hashes/sha2.js'
import { computeDstackIdentity, osImageHashFromConfig, replayRuntimeEvents } from '../dstack/index.js'
import type { ParsedQuote, TdReportBody } from '../quote/types.js'
import { type SimulatedRegister, simulatedMeasurement } from '../simulated/constants.js'
import type { Attestation, EvidenceVerifier, Identity, VerifyOptions } from '../types.js'
import type { Collateral } from './collateral.js'
import { DcapError } from './errors.js'
import { INTEL_SGX_ROOT_CA_SHA256 } from './intelRootCa.js'
import { type PreparedCollateral, prepareCollateral } from './prepareCollateral.js'
import { type DcapVerdict, verifyQuote } from './verifyQuote.js'

export interface DcapVerifierOptions {
  /**
   * Collateral for a quote (PCCS/PCS fetch, usually cached per FMSPC by the caller). `parsed` is given when the
   * caller already parsed the quote (the simulated dispatcher does).
   */
  collateralProvider: (quote: Uint8Array, parsed?: ParsedQuote) => Promise<Collateral | unknown>
  /**
   * The one root this verifier trusts, DER; default the Intel SGX Root CA pinned by its SHA-256
   * (INTEL_SGX_ROOT_CA_SHA256). Tests and the bench pass their own Intel-shaped test root; `simulated` says it
   * is a simulated vendor root.
   */
  trustedRootDer?: Uint8Array
  /**
   * `trustedRootDer` is a Custos SIMULATED vendor root (dev only, `[attestation] trust_simulated`): only quotes
   * of the simulated Quoting Enclave (qe_vendor_id "CUSTOS-SIMULATED") are accepted, the simulated boot
   * measurements are checked against the vm config's os_image_hash, and the Identity says platform 'simulated'.
   */
  simulated?: boolean
  /** accept debug enclaves/TDs (Identity.debug = true); default false */
  allowDebug?: boolean
  /** accept TD 1.5 quotes with a bound service TD; default false */
  allowServiceTd?: boolean
}

/** The DCAP EvidenceVerifier; `verify` also takes the quote already parsed (by `parseDcapQuote`) when known. */
export interface DcapEvidenceVerifier extends EvidenceVerifier {
  verify(attestation: Attestation, opts: VerifyOptions, parsed?: ParsedQuote): Promise<Identity>
  /**
   * The quote alone (signature chain, collateral, TCB, TD attributes), without the dstack envelope: no
   * report_data, RTMR3 or boot-measurement check, so no Identity. For evidence that is a bare quote
   * (`custos attest verify`), which carries no event log to replay.
   */
  verdict(quote: Uint8Array, opts: VerifyOptions, parsed?: ParsedQuote): Promise<DcapVerdict>
}

const SIMULATED_REGISTERS: SimulatedRegister[] = ['mrtd', 'rtmr0', 'rtmr1', 'rtmr2']

/**
 * Simulated evidence stands in for dstack's OS image verification with fixed boot measurements: MRTD and
 * RTMR0–2 must be the simulated measurements of the vm config's os_image_hash.
 * @throws DcapError DCAP_MEASUREMENT_MISMATCH
 */
function checkSimulatedMeasurements(body: TdReportBody, att: Attestation): void {
  const os = osImageHashFromConfig(att.config)
  if (os.length === 0)
    throw new DcapError('DCAP_MEASUREMENT_MISMATCH', 'simulated evidence: the vm config carries no os_image_hash', {
      what: 'os_image_hash',
    })
  const regs = [body.mrTd, body.rtmr[0], body.rtmr[1], body.rtmr[2]]
  SIMULATED_REGISTERS.forEach((name, i) => {
    if (!Buffer.from(simulatedMeasurement(name, os)).equals(Buffer.from(regs[i] as Uint8Array)))
      throw new DcapError(
        'DCAP_MEASUREMENT_MISMATCH',
        `simulated evidence: ${name.toUpperCase()} does not match the os_image_hash in the vm config`,
        { what: name },
      )
  })
}

/**
 * Map a verified DCAP verdict plus the dstack envelope to the shared Identity (ARCHITECTURE.md "Identity").
 * TDX: report_data must equal the attestation's, the runtime events must replay to RTMR3, then the dstack
 * derivation (mr_system, mr_aggregated, app/compose/instance ids, device_id = sha256(PPID)). A simulated verdict
 * also has its boot measurements checked against os_image_hash, and says platform 'simulated'.
 * SGX (no dstack event log): mrAggregated = mrSystem = MRENCLAVE; app fields empty; device_id = sha256(PPID).
 * @throws DcapError DCAP_REPORT_DATA_MISMATCH | DCAP_EVENT_LOG_MISMATCH | DCAP_MEASUREMENT_MISMATCH
 */
export function dcapIdentity(v: DcapVerdict, att: Attestation, opts: { bootTimeMr?: boolean } = {}): Identity {
  if (!Buffer.from(v.reportData).equals(Buffer.from(att.reportData)))
    throw new DcapError('DCAP_REPORT_DATA_MISMATCH', "quote report_data differs from the attestation's report_data", {
      what: 'report_data',
    })
  if (v.platform === 'tdx') {
    const body = v.quote.body as TdReportBody
    const rtmr3 = replayRuntimeEvents(att.runtimeEvents)
    if (!Buffer.from(rtmr3).equals(Buffer.from(body.rtmr[3])))
      throw new DcapError('DCAP_EVENT_LOG_MISMATCH', 'runtime events do not replay to the quoted RTMR3', {
        what: 'rtmr3',
      })
    if (v.simulated) checkSimulatedMeasurements(body, att)
    const id = computeDstackIdentity({
      platform: v.simulated ? 'simulated' : 'tdx',
      report: body,
      runtimeEvents: att.runtimeEvents,
      config: att.config,
      rawDeviceId: v.ppid,
      tcbStatus: v.tcbStatus,
      advisoryIds: v.advisoryIds,
      debug: v.debug,
      reportData: v.reportData,
      replayedRtmr3: rtmr3,
      ...(opts.bootTimeMr ? { boottimeMr: true } : {}),
    })
    return { ...id, measurements: { ...id.measurements, ...v.measurements } }
  }
  const mr = v.measurements.mrEnclave ?? new Uint8Array(32)
  return {
    platform: 'sgx',
    tcbStatus: v.tcbStatus,
    advisoryIds: [...v.advisoryIds],
    debug: v.debug,
    mrAggregated: mr,
    mrSystem: mr,
    osImageHash: new Uint8Array(0),
    composeHash: new Uint8Array(0),
    appId: new Uint8Array(0),
    instanceId: new Uint8Array(0),
    deviceId: sha256(v.ppid),
    keyProviderInfo: new Uint8Array(0),
    reportData: v.reportData,
    measurements: v.measurements,
  }
}

/**
 * The Intel DCAP `EvidenceVerifier` (SGX v3, TDX v4/v5) for `createVerifier({ dcap })`, trusting one root: Intel's
 * by default, or a simulated vendor root (`simulated`). Prepared collateral is cached per collateral object (so a
 * provider that caches per FMSPC makes verification cheap).
 */
export function createDcapVerifier(opts: DcapVerifierOptions): DcapEvidenceVerifier {
  const simulated = opts.simulated ?? false
  if (simulated) {
    if (!opts.trustedRootDer)
      throw new DcapError('DCAP_UNTRUSTED_ROOT', 'a simulated DCAP verifier needs the simulated root it trusts', {
        what: 'trusted root CA',
      })
    if (Buffer.from(sha256(opts.trustedRootDer)).toString('hex') === INTEL_SGX_ROOT_CA_SHA256)
      throw new DcapError('DCAP_UNTRUSTED_ROOT', 'the Intel SGX Root CA is not a simulated root', {
        what: 'trusted root CA',
      })
  }
  const prepared = new WeakMap<object, PreparedCollateral>()
  const prepare = (col: Collateral | unknown, now: number): PreparedCollateral => {
    const key = typeof col === 'object' && col !== null ? col : undefined
    const hit = key ? prepared.get(key) : undefined
    if (hit && now >= hit.validFrom && now <= hit.validUntil) return hit
    const p = prepareCollateral(col, opts.trustedRootDer, now)
    if (key) prepared.set(key, p)
    return p
  }
  const verdictOf = async (quote: Uint8Array, vopts: VerifyOptions, parsed?: ParsedQuote): Promise<DcapVerdict> => {
    if (parsed && (parsed.raw.buffer !== quote.buffer || parsed.raw.byteOffset !== quote.byteOffset))
      throw new TypeError('parsed is not the parse of this attestation quote')
    const p = prepare(await opts.collateralProvider(quote, parsed), vopts.now)
    return verifyQuote(parsed ?? quote, p, {
      now: vopts.now,
      allowDebug: opts.allowDebug ?? false,
      allowServiceTd: opts.allowServiceTd ?? false,
      simulated,
      ...(vopts.expectedReportData ? { expectedReportData: vopts.expectedReportData } : {}),
    })
  }
  return {
    async verify(att: Attestation, vopts: VerifyOptions, parsed?: ParsedQuote): Promise<Identity> {
      if (att.quote.type !== 'tdx')
        throw new DcapError('DCAP_UNSUPPORTED', 'the DCAP verifier takes Intel quotes only (not Nitro documents)', {
          what: 'quote',
        })
      const verdict = await verdictOf(att.quote.quote, vopts, parsed)
      return dcapIdentity(verdict, att, { bootTimeMr: vopts.bootTimeMr ?? false })
    },
    verdict: verdictOf,
  }
}
