import { sha256 } from '@noble/hashes/sha2.js'
import {
  type Attestation,
  type Collateral,
  createDcapVerifier,
  createNitroVerifier,
  createSimulatedDcapVerifier,
  type DcapVerdict,
  dcapIdentity,
  decodeVersionedAttestation,
  type Identity,
  isSimulatedQuote,
  nitroIdentity,
  parseQuote,
  prepareCollateral,
  type SimulatedDcapVerifier,
  type SimulatedTrustAnchor,
  verifyNitroDocument,
  verifyQuote,
} from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { CustosError } from '../errors.js'

export type EvidenceFormat = 'dstack-attestation' | 'dcap-quote' | 'nitro-document' | 'unknown'

export interface VerifyEvidenceInput {
  evidence: Uint8Array
  /** unix seconds */
  now: number
  /** collateral for DCAP quotes (PCCS client or a --collateral file) */
  collateralProvider?: (quote: Uint8Array) => Promise<Collateral | unknown>
  /** trusted simulated vendors (root + collateral); simulated evidence is refused without one */
  simulatedRoots?: SimulatedTrustAnchor[]
  allowDebug?: boolean
}

/** The verdict `custos attest verify` prints (snake_case: it is also the `--json` output). */
export interface EvidenceReport {
  ok: boolean
  format: EvidenceFormat
  platform: string | null
  /** TCB status ('' for Nitro), or 'invalid' */
  status: string
  advisory_ids: string[]
  identity?: Record<string, unknown>
  /** e.g. a bare TDX quote carries no event log, so no dstack identity */
  note?: string
  error?: { code: string; message: string }
}

const EMPTY = new Uint8Array(0)

/** Recognise the evidence container by its first bytes. */
export function evidenceFormat(b: Uint8Array): EvidenceFormat {
  const first = b[0] ?? -1
  if (
    first === 0x00 ||
    (first >= 0x80 && first <= 0x83) ||
    (first >= 0x85 && first <= 0x8f) ||
    first === 0xde ||
    first === 0xdf
  )
    return 'dstack-attestation'
  if (b.length >= 4 && [3, 4, 5].includes(b[0]! | (b[1]! << 8)) && (b[2]! | (b[3]! << 8)) === 2) return 'dcap-quote'
  if (first === 0x84 || first === 0xd2) return 'nitro-document'
  return 'unknown'
}

/** Verify evidence offline (DCAP quote, dstack attestation, Nitro document, simulated quote). Never throws. */
export async function verifyEvidence(input: VerifyEvidenceInput): Promise<EvidenceReport> {
  const format = evidenceFormat(input.evidence)
  let platform: string | null = null
  try {
    const r = await verifyByFormat(format, input, (p) => {
      platform = p
    })
    return {
      ok: true,
      format,
      platform: r.identity.platform,
      status: r.identity.tcbStatus,
      advisory_ids: [...r.identity.advisoryIds],
      identity: identityJson(r.identity),
      ...(r.note ? { note: r.note } : {}),
    }
  } catch (e) {
    const error =
      e instanceof CustosError
        ? { code: e.code, message: e.shortMessage }
        : { code: 'UNEXPECTED', message: (e as Error)?.message ?? String(e) }
    return { ok: false, format, platform, status: 'invalid', advisory_ids: [], error }
  }
}

async function verifyByFormat(
  format: EvidenceFormat,
  input: VerifyEvidenceInput,
  seen: (platform: string) => void,
): Promise<{ identity: Identity; note?: string }> {
  const { evidence, now } = input
  const allowDebug = input.allowDebug ?? false
  if (format === 'nitro-document') {
    seen('nitro')
    const v = verifyNitroDocument(evidence, { now, allowDebug })
    const att: Attestation = {
      quote: { type: 'nitro', nsmQuote: evidence },
      runtimeEvents: [],
      reportData: v.document.userData ?? EMPTY,
      config: '',
    }
    return { identity: nitroIdentity(v, att) }
  }
  if (format === 'dstack-attestation') {
    const att = decodeVersionedAttestation(evidence)
    if (att.quote.type === 'nitro') {
      seen('nitro')
      return { identity: await createNitroVerifier({ allowDebug }).verify(att, { now }) }
    }
    if (isSimulatedQuote(att.quote.quote)) return { identity: await simulated(input, att, seen) }
    seen(platformOfQuote(att.quote.quote))
    const dcap = createDcapVerifier({ collateralProvider: needProvider(input), allowDebug })
    return { identity: await dcap.verify(att, { now }) }
  }
  if (format === 'dcap-quote') {
    const q = parseQuote(evidence)
    const att: Attestation = {
      quote: { type: 'tdx', quote: evidence, eventLog: [] },
      runtimeEvents: [],
      reportData: q.body.reportData,
      config: '',
    }
    // A bare simulated quote is judged as a bare real one: the quote's signature chain, collateral and TCB are
    // verified, but with no event log RTMR3 cannot be replayed (nor, with no vm config, the simulated boot
    // measurements checked against an os_image_hash), so there is no dstack identity, and the note says so. Nothing
    // is granted on this verdict; the node's verifier still requires the full attestation before releasing keys.
    const verdict = isSimulatedQuote(evidence)
      ? await simulatedVerifier(input, seen).verdict(evidence, { now })
      : await realVerdict(input, evidence, now, allowDebug, seen)
    if (verdict.platform === 'sgx') return { identity: dcapIdentity(verdict, att) }
    return { identity: bareTdxIdentity(verdict), note: BARE_TDX_NOTE }
  }
  throw new CustosError(
    'ATTESTATION_UNSUPPORTED',
    400,
    'unrecognised evidence: expected a DCAP quote (v3/v4/v5), a dstack attestation or a Nitro COSE_Sign1 document',
  )
}

const BARE_TDX_NOTE =
  'a bare TDX quote carries no event log, so RTMR3 cannot be replayed: the quote and its signature chain are ' +
  'verified, but the dstack identity (app id, compose hash, os image, mr_aggregated) needs the dstack attestation'

async function realVerdict(
  input: VerifyEvidenceInput,
  evidence: Uint8Array,
  now: number,
  allowDebug: boolean,
  seen: (p: string) => void,
): Promise<DcapVerdict> {
  seen(platformOfQuote(evidence))
  const prepared = prepareCollateral(await needProvider(input)(evidence), undefined, now)
  return verifyQuote(evidence, prepared, { now, allowDebug })
}

async function simulated(input: VerifyEvidenceInput, att: Attestation, seen: (p: string) => void): Promise<Identity> {
  return simulatedVerifier(input, seen).verify(att, { now: input.now })
}

/** Simulated evidence is refused unless the caller names the simulated vendor roots it trusts. */
function simulatedVerifier(input: VerifyEvidenceInput, seen: (p: string) => void): SimulatedDcapVerifier {
  seen('simulated')
  if (!input.simulatedRoots?.length)
    throw new CustosError(
      'ATTESTATION_SIMULATED_NOT_TRUSTED',
      400,
      'the evidence comes from the INSECURE simulated TEE; pass --simulated-root <simulated-root-ca.pem> to check it',
    )
  return createSimulatedDcapVerifier(input.simulatedRoots, { allowDebug: input.allowDebug ?? false })
}

function needProvider(input: VerifyEvidenceInput): (quote: Uint8Array) => Promise<Collateral | unknown> {
  if (input.collateralProvider) return input.collateralProvider
  throw new CustosError(
    'DCAP_COLLATERAL_MISSING',
    400,
    'an Intel quote needs collateral: pass --collateral FILE or a PCCS',
  )
}

function platformOfQuote(quote: Uint8Array): string {
  try {
    return parseQuote(quote).body.type === 'sgx' ? 'sgx' : 'tdx'
  } catch {
    return 'unknown'
  }
}

function bareTdxIdentity(v: DcapVerdict): Identity {
  return {
    platform: v.simulated ? 'simulated' : 'tdx',
    tcbStatus: v.tcbStatus,
    advisoryIds: [...v.advisoryIds],
    debug: v.debug,
    mrAggregated: EMPTY,
    mrSystem: EMPTY,
    osImageHash: EMPTY,
    composeHash: EMPTY,
    appId: EMPTY,
    instanceId: EMPTY,
    deviceId: sha256(v.ppid),
    keyProviderInfo: EMPTY,
    reportData: v.reportData,
    measurements: v.measurements,
  }
}

/** Identity → JSON (hex bytes, snake_case). */
export function identityJson(id: Identity): Record<string, unknown> {
  const m = id.measurements
  const measurements: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m)) {
    const key = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
    if (v instanceof Uint8Array) measurements[key] = toHex(v)
    else if (Array.isArray(v)) measurements[key] = v.map((x) => toHex(x as Uint8Array))
    else if (typeof v === 'number') measurements[key] = v
    else if (v && typeof v === 'object')
      measurements[key] = Object.fromEntries(
        Object.entries(v as Record<string, Uint8Array>).map(([i, b]) => [i, toHex(b)]),
      )
  }
  return {
    platform: id.platform,
    tcb_status: id.tcbStatus,
    advisory_ids: [...id.advisoryIds],
    debug: id.debug,
    app_id: toHex(id.appId),
    instance_id: toHex(id.instanceId),
    compose_hash: toHex(id.composeHash),
    os_image_hash: toHex(id.osImageHash),
    mr_system: toHex(id.mrSystem),
    mr_aggregated: toHex(id.mrAggregated),
    device_id: toHex(id.deviceId),
    key_provider_info: toHex(id.keyProviderInfo),
    report_data: toHex(id.reportData),
    measurements,
  }
}
