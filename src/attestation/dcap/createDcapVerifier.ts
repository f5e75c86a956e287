import { sha256 } from '@noble/hashes/sha2.js'
import { computeDstackIdentity, replayRuntimeEvents } from '../dstack/index.js'
import type { TdReportBody } from '../quote/types.js'
import type { Attestation, EvidenceVerifier, Identity, VerifyOptions } from '../types.js'
import type { Collateral } from './collateral.js'
import { DcapError } from './errors.js'
import { type PreparedCollateral, prepareCollateral } from './prepareCollateral.js'
import { type DcapVerdict, verifyQuote } from './verifyQuote.js'

export interface DcapVerifierOptions {
  /** Collateral for a quote (PCCS/PCS fetch, usually cached per FMSPC by the caller). */
  collateralProvider: (quote: Uint8Array) => Promise<Collateral | unknown>
  /** Trust anchor DER; default the Intel SGX Root CA pinned by fingerprint. Tests pass their own. */
  trustedRootDer?: Uint8Array
  /** accept debug enclaves/TDs (Identity.debug = true); default false */
  allowDebug?: boolean
  /** accept TD 1.5 quotes with a bound service TD; default false */
  allowServiceTd?: boolean
}

/**
 * Map a verified DCAP verdict plus the dstack envelope to the shared Identity (ARCHITECTURE.md "Identity").
 * TDX: report_data must equal the attestation's, the runtime events must replay to RTMR3, then the dstack
 * derivation (mr_system, mr_aggregated, app/compose/instance ids, device_id = sha256(PPID)).
 * SGX (no dstack event log): mrAggregated = mrSystem = MRENCLAVE; app fields empty; device_id = sha256(PPID).
 * @throws DcapError DCAP_REPORT_DATA_MISMATCH | DCAP_EVENT_LOG_MISMATCH
 */
export function dcapIdentity(v: DcapVerdict, att: Attestation, opts: { bootTimeMr?: boolean } = {}): Identity {
  if (!Buffer.from(v.reportData).equals(Buffer.from(att.reportData)))
    throw new DcapError('DCAP_REPORT_DATA_MISMATCH', "quote report_data differs from the attestation's report_data", {
      what: 'report_data',
    })
  if (v.platform === 'tdx') {
    const body = v.quote.body as TdReportBody
    if (!Buffer.from(replayRuntimeEvents(att.runtimeEvents)).equals(Buffer.from(body.rtmr[3])))
      throw new DcapError('DCAP_EVENT_LOG_MISMATCH', 'runtime events do not replay to the quoted RTMR3', {
        what: 'rtmr3',
      })
    const id = computeDstackIdentity({
      platform: 'tdx',
      report: body,
      runtimeEvents: att.runtimeEvents,
      config: att.config,
      rawDeviceId: v.ppid,
      tcbStatus: v.tcbStatus,
      advisoryIds: v.advisoryIds,
      debug: v.debug,
      reportData: v.reportData,
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
 * The real Intel DCAP `EvidenceVerifier` (SGX v3, TDX v4/v5) for `createVerifier({ dcap })`. Prepared
 * collateral is cached per collateral object (so a provider that caches per FMSPC makes verification cheap).
 */
export function createDcapVerifier(opts: DcapVerifierOptions): EvidenceVerifier {
  const prepared = new WeakMap<object, PreparedCollateral>()
  const prepare = (col: Collateral | unknown, now: number): PreparedCollateral => {
    const key = typeof col === 'object' && col !== null ? col : undefined
    const hit = key ? prepared.get(key) : undefined
    if (hit && now >= hit.validFrom && now <= hit.validUntil) return hit
    const p = prepareCollateral(col, opts.trustedRootDer, now)
    if (key) prepared.set(key, p)
    return p
  }
  return {
    async verify(att: Attestation, vopts: VerifyOptions): Promise<Identity> {
      if (att.quote.type !== 'tdx')
        throw new DcapError('DCAP_UNSUPPORTED', 'the DCAP verifier takes Intel quotes only (not Nitro documents)', {
          what: 'quote',
        })
      const quote = att.quote.quote
      const p = prepare(await opts.collateralProvider(quote), vopts.now)
      const verdict = verifyQuote(quote, p, {
        now: vopts.now,
        allowDebug: opts.allowDebug ?? false,
        allowServiceTd: opts.allowServiceTd ?? false,
        ...(vopts.expectedReportData ? { expectedReportData: vopts.expectedReportData } : {}),
      })
      return dcapIdentity(verdict, att, { bootTimeMr: vopts.bootTimeMr ?? false })
    },
  }
}
