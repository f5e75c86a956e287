import { createHash, createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto'
import { AttestationError } from '../errors.js'
import { INTEL_QE_VENDOR_ID, parseQuote, TEE_TYPE_SGX, TEE_TYPE_TDX } from '../quote/parseQuote.js'
import { splitPemChain } from '../quote/pemChain.js'
import type { ParsedQuote, SgxReportBody, TdReportBody } from '../quote/types.js'
import { SIMULATED_QE_VENDOR_ID } from '../simulated/constants.js'
import type { Measurements } from '../types.js'
import { DcapError } from './errors.js'
import { checkPckChainAt, resolvePckChain } from './pckChain.js'
import type { PreparedCollateral } from './prepareCollateral.js'
import { matchQeIdentity } from './qeIdentity.js'
import { checkReportPolicy } from './reportPolicy.js'
import { matchPlatformTcb, matchTdxModule } from './tcbInfo.js'
import { type KnownTcbStatus, mergeTcb } from './tcbStatus.js'

export interface DcapVerifyOptions {
  /** unix seconds */
  now: number
  /** accept debug enclaves / TDs (verdict.debug says so); default false */
  allowDebug?: boolean
  /** accept a non-zero TD 1.5 MR_SERVICETD; default false */
  allowServiceTd?: boolean
  /** when set, report_data must equal these 64 bytes */
  expectedReportData?: Uint8Array
  /**
   * the collateral's trusted root is a Custos SIMULATED vendor root (dev only): the quote must come from the
   * simulated Quoting Enclave (qe_vendor_id "CUSTOS-SIMULATED", TDX v4, TD 1.0) instead of Intel's. Never set for
   * Intel's root; without it a simulated quote is refused (DCAP_QE_VENDOR) whatever its chain.
   */
  simulated?: boolean
}

/** What a verified DCAP quote proves. */
export interface DcapVerdict {
  platform: 'sgx' | 'tdx'
  /** verified under a simulated vendor root (`DcapVerifyOptions.simulated`): INSECURE evidence */
  simulated: boolean
  quoteVersion: number
  bodyType: 'sgx' | 'td10' | 'td15'
  tcbStatus: KnownTcbStatus
  advisoryIds: string[]
  debug: boolean
  /** raw PPID from the PCK certificate (dstack device_id = sha256(ppid)) */
  ppid: Uint8Array
  fmspc: Uint8Array
  pceId: Uint8Array
  reportData: Uint8Array
  measurements: Measurements
  /** the parsed quote (subarray views of the input) */
  quote: ParsedQuote
}

const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex')

/**
 * parseQuote with DCAP error codes. By default the PEM PCK chain is not decoded: `verifyQuote` decodes it only for
 * chain bytes it has not resolved before (see `pckChainDersOf`).
 * @throws DcapError DCAP_QUOTE_MALFORMED | DCAP_UNSUPPORTED
 */
export function parseDcapQuote(bytes: Uint8Array, opts: { decodePckChain?: boolean } = {}): ParsedQuote {
  try {
    return parseQuote(bytes, { decodePckChain: opts.decodePckChain ?? false })
  } catch (e) {
    if (e instanceof AttestationError) {
      const code = e.code === 'ATTESTATION_UNSUPPORTED' ? 'DCAP_UNSUPPORTED' : 'DCAP_QUOTE_MALFORMED'
      throw new DcapError(code, e.shortMessage, { what: 'quote', ...e.meta }, { cause: e })
    }
    throw e
  }
}

/**
 * DER certificates of the quote's PEM PCK chain (certification data type 5), decoded now unless `parseQuote`
 * already did. @throws DcapError DCAP_QUOTE_MALFORMED
 */
export function pckChainDersOf(q: ParsedQuote): Uint8Array[] {
  if (q.pckChainDer.length > 0) return q.pckChainDer
  const data = q.signature.certificationData
  let der: Uint8Array[]
  try {
    der = splitPemChain(data.data, data.offset + 6).der
  } catch (e) {
    if (e instanceof AttestationError)
      throw new DcapError('DCAP_QUOTE_MALFORMED', e.shortMessage, { what: 'quote', ...e.meta }, { cause: e })
    throw e
  }
  if (der.length === 0)
    throw new DcapError(
      'DCAP_QUOTE_MALFORMED',
      'PCK certificate chain (certification data type 5) holds no PEM certificate',
      { what: 'pck cert chain' },
    )
  return der
}

function attestationKey(prepared: PreparedCollateral, raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('hex')
  let k = prepared.cache.attKeys.get(id)
  if (!k) {
    try {
      k = createPublicKey({
        key: Buffer.concat([SPKI_P256_PREFIX, Buffer.from([4]), raw]),
        format: 'der',
        type: 'spki',
      })
    } catch (e) {
      throw new DcapError(
        'DCAP_QUOTE_SIGNATURE',
        'the attestation key is not a P-256 point',
        { what: 'attestation key' },
        { cause: e },
      )
    }
    if (prepared.cache.attKeys.size >= 512) prepared.cache.attKeys.clear()
    prepared.cache.attKeys.set(id, k)
  }
  return k
}

function sigOk(data: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  try {
    return nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
  } catch {
    return false
  }
}

function checkHeader(q: ParsedQuote, prepared: PreparedCollateral, simulated: boolean): 'sgx' | 'tdx' {
  const { version, teeType, qeVendorId } = q.header
  if (teeType === TEE_TYPE_SGX && version !== 3)
    throw new DcapError('DCAP_UNSUPPORTED', `SGX quotes must be version 3 (got ${version})`, { what: 'header.version' })
  if (teeType === TEE_TYPE_TDX && version !== 4 && version !== 5)
    throw new DcapError('DCAP_UNSUPPORTED', `TDX quotes must be version 4 or 5 (got ${version})`, {
      what: 'header.version',
    })
  if (simulated) {
    if (!Buffer.from(qeVendorId).equals(Buffer.from(SIMULATED_QE_VENDOR_ID)))
      throw new DcapError(
        'DCAP_QE_VENDOR',
        'quote QE vendor ID is not CUSTOS-SIMULATED: a simulated root only vouches for simulated evidence',
        { what: 'header.qe_vendor_id' },
      )
    if (teeType !== TEE_TYPE_TDX || version !== 4 || q.body.type !== 'td10')
      throw new DcapError('DCAP_UNSUPPORTED', 'simulated evidence must be a TDX quote v4 with a TD 1.0 report', {
        what: 'header.version',
      })
  } else if (!Buffer.from(qeVendorId).equals(Buffer.from(INTEL_QE_VENDOR_ID)))
    throw new DcapError(
      'DCAP_QE_VENDOR',
      Buffer.from(qeVendorId).equals(Buffer.from(SIMULATED_QE_VENDOR_ID))
        ? 'quote comes from the INSECURE simulated TEE (QE vendor ID CUSTOS-SIMULATED), not from Intel’s QE'
        : 'quote QE vendor ID is not Intel’s',
      { what: 'header.qe_vendor_id' },
    )
  if (q.trailing.some((b) => b !== 0))
    throw new DcapError('DCAP_QUOTE_MALFORMED', 'quote has non-zero bytes after its signature data', {
      what: 'trailing bytes',
    })
  const platform = teeType === TEE_TYPE_TDX ? 'tdx' : 'sgx'
  const tcbId = platform === 'tdx' ? 'TDX' : 'SGX'
  if (prepared.tcbInfo.id !== tcbId)
    throw new DcapError(
      'DCAP_TCB_INFO_INVALID',
      `collateral TCB Info is for ${prepared.tcbInfo.id}, the quote is ${tcbId}`,
      { what: 'tcb_info' },
    )
  const qe = prepared.qeIdentity
  const qeOk =
    platform === 'tdx'
      ? qe.id === 'TD_QE' && (qe.version === 2 || qe.version === 3)
      : qe.id === 'QE' && qe.version === 2
  if (!qeOk)
    throw new DcapError(
      'DCAP_QE_IDENTITY_INVALID',
      `collateral QE Identity ${qe.id} v${qe.version} does not fit a ${tcbId} quote`,
      {
        what: 'qe_identity',
      },
    )
  return platform
}

/**
 * Per-quote DCAP verification against prepared collateral (attestation.md §2 steps 0 and 4–12).
 * Pure and synchronous. `quote` is the quote bytes or what `parseDcapQuote` read from them.
 * @throws DcapError naming the check that failed
 */
export function verifyQuote(
  quote: Uint8Array | ParsedQuote,
  prepared: PreparedCollateral,
  opts: DcapVerifyOptions,
): DcapVerdict {
  const { now } = opts
  if (!(now >= prepared.validFrom && now <= prepared.validUntil)) prepared.checkTime(now)
  const q = quote instanceof Uint8Array ? parseDcapQuote(quote) : quote
  const platform = checkHeader(q, prepared, opts.simulated ?? false)
  const sig = q.signature

  // PCK chain (cached per chain bytes, decoded only on a miss), then per-call validity and revocation.
  let ders: Uint8Array[] | (() => Uint8Array[]) = () => pckChainDersOf(q)
  if (sig.certificationData.type !== 5) {
    if (!prepared.pckChainDer)
      throw new DcapError(
        'DCAP_UNSUPPORTED',
        `certification data type ${sig.certificationData.type} needs a PCK chain in the collateral`,
        {
          what: 'certification data',
        },
      )
    ders = prepared.pckChainDer
  }
  const chainKey = sig.certificationData.type === 5 ? sig.certificationData.data : Buffer.concat(ders as Uint8Array[])
  const chain = resolvePckChain(prepared, chainKey, ders)
  checkPckChainAt(chain, prepared, now)

  // A platform's QE report is the same in every quote until its attestation key changes: a (report, signature)
  // pair verified once under this chain's leaf key is remembered by its hash.
  const qeKey = createHash('sha256').update(sig.qeReportRaw).update(sig.qeReportSignature).digest('hex')
  if (!chain.verifiedQeReports.has(qeKey)) {
    if (!sigOk(sig.qeReportRaw, chain.leaf.key, sig.qeReportSignature))
      throw new DcapError('DCAP_QE_REPORT_SIGNATURE', 'QE report signature does not verify with the PCK leaf key', {
        what: 'qe_report',
      })
    if (chain.verifiedQeReports.size >= 64) chain.verifiedQeReports.clear()
    chain.verifiedQeReports.add(qeKey)
  }
  const h = createHash('sha256').update(sig.attestationPublicKey).update(sig.qeAuthData).digest()
  const rd = sig.qeReport.reportData
  if (!h.equals(rd.subarray(0, 32)) || rd.subarray(32).some((b) => b !== 0))
    throw new DcapError(
      'DCAP_QE_BINDING',
      'QE report does not bind the attestation key (sha256(key ‖ QE auth data) mismatch)',
      {
        what: 'qe_report.report_data',
      },
    )
  const qeTcb = matchQeIdentity(sig.qeReport, prepared.qeIdentity)
  if (!sigOk(q.signedRegion, attestationKey(prepared, sig.attestationPublicKey), sig.quoteSignature))
    throw new DcapError(
      'DCAP_QUOTE_SIGNATURE',
      'quote signature does not verify with the attestation key over header and body',
      {
        what: 'quote signature',
      },
    )

  const { ext } = chain
  const info = prepared.tcbInfo
  if (!Buffer.from(ext.fmspc).equals(Buffer.from(info.fmspc)))
    throw new DcapError(
      'DCAP_FMSPC_MISMATCH',
      'PCK certificate FMSPC differs from the TCB Info FMSPC; fetch TCB Info for this platform',
      {
        what: 'fmspc',
      },
    )
  if (!Buffer.from(ext.pceId).equals(Buffer.from(info.pceId)))
    throw new DcapError('DCAP_PCEID_MISMATCH', 'PCK certificate PCE-ID differs from the TCB Info PCE-ID', {
      what: 'pce_id',
    })

  const body = q.body
  const td = body.type === 'sgx' ? undefined : (body as TdReportBody)
  let tcb = matchPlatformTcb(info, ext.tcbComponents, ext.pceSvn, td?.teeTcbSvn)
  if (td) {
    const mod = matchTdxModule(info, td.teeTcbSvn, td.mrSignerSeam, td.seamAttributes)
    if (mod) tcb = mergeTcb(tcb, mod)
  }
  tcb = mergeTcb(tcb, qeTcb)
  if (tcb.status === 'Revoked')
    throw new DcapError('DCAP_TCB_REVOKED', 'platform TCB status is Revoked', {
      what: 'tcb_status',
      advisories: tcb.advisoryIds.join(','),
    })

  const debug = checkReportPolicy(body, opts)
  if (opts.expectedReportData && !Buffer.from(opts.expectedReportData).equals(Buffer.from(body.reportData)))
    throw new DcapError('DCAP_REPORT_DATA_MISMATCH', 'quote report_data differs from the expected value', {
      what: 'report_data',
    })

  return {
    platform,
    simulated: opts.simulated ?? false,
    quoteVersion: q.header.version,
    bodyType: body.type,
    tcbStatus: tcb.status,
    advisoryIds: tcb.advisoryIds,
    debug,
    ppid: ext.ppid,
    fmspc: ext.fmspc,
    pceId: ext.pceId,
    reportData: body.reportData,
    measurements: td ? tdMeasurements(td) : sgxMeasurements(body as SgxReportBody),
    quote: q,
  }
}

function sgxMeasurements(b: SgxReportBody): Measurements {
  return { mrEnclave: b.mrEnclave, mrSigner: b.mrSigner, isvProdId: b.isvProdId, isvSvn: b.isvSvn }
}

function tdMeasurements(b: TdReportBody): Measurements {
  return {
    mrTd: b.mrTd,
    rtmr: b.rtmr,
    mrConfigId: b.mrConfigId,
    mrOwner: b.mrOwner,
    mrOwnerConfig: b.mrOwnerConfig,
    mrSeam: b.mrSeam,
    teeTcbSvn: b.teeTcbSvn,
  }
}
