import 'reflect-metadata'
import { sha256 } from '@noble/hashes/sha2.js'
import type * as x509 from '@peculiar/x509'
import { concatBytes, equalBytes, isZero } from '../../crypto/index.js'
import { computeDstackIdentity, osImageHashFromConfig, replayRuntimeEvents } from '../dstack/index.js'
import { AttestationError } from '../errors.js'
import { parseQuote, TEE_TYPE_TDX } from '../quote/index.js'
import type { Attestation, EvidenceVerifier, Identity, VerifyOptions } from '../types.js'
import { verifyCertSignature } from './certDer.js'
import { SIMULATED_QE_VENDOR_ID, type SimulatedRegister, simulatedMeasurement, TD_ATTR_DEBUG_BIT } from './constants.js'
import { verifyRaw } from './keys.js'
import { p256PointOfCert, parseCertDer, readSimulatedPck } from './simulatedPck.js'

export interface SimulatedVerifierOptions {
  /** DER certificates of the simulated roots this node trusts (compared by SHA-256 fingerprint) */
  trustedRoots: readonly Uint8Array[]
  /** accept debug TDs (default false) */
  allowDebug?: boolean
}

const fail = (code: AttestationError['code'], msg: string, meta?: Record<string, string | number>): never => {
  throw new AttestationError(code, msg, meta)
}

export function isSimulatedQuote(quote: Uint8Array): boolean {
  return quote.length >= 28 && equalBytes(quote.subarray(12, 28), SIMULATED_QE_VENDOR_ID)
}

function checkValidity(cert: x509.X509Certificate, now: number, which: string): void {
  const t = now * 1000
  if (t < cert.notBefore.getTime() || t > cert.notAfter.getTime())
    fail(
      'ATTESTATION_EXPIRED',
      `simulated ${which} certificate is not valid at ${new Date(t).toISOString()} (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
    )
}

/**
 * Verify simulated evidence end to end and derive the dstack Identity (platform 'simulated').
 * Order: structure → chain to a trusted simulated root → QE report signature → QE binding → quote signature →
 * TCB verdict → debug → report_data → RTMR3 replay → boot measurements vs os_image_hash.
 */
export async function verifySimulatedQuote(
  att: Attestation,
  opts: VerifyOptions,
  cfg: SimulatedVerifierOptions,
): Promise<Identity> {
  if (att.quote.type !== 'tdx') return fail('ATTESTATION_UNSUPPORTED', 'simulated evidence must be a TDX-layout quote')
  const q = parseQuote(att.quote.quote)
  const body = q.body
  if (q.header.version !== 4 || q.header.teeType !== TEE_TYPE_TDX || body.type !== 'td10')
    return fail('ATTESTATION_MALFORMED', 'simulated quote must be a TDX quote v4 with a TD 1.0 report', { offset: 0 })
  if (!equalBytes(q.header.qeVendorId, SIMULATED_QE_VENDOR_ID))
    fail('ATTESTATION_UNSUPPORTED', 'quote is not simulated evidence (qe_vendor_id is not CUSTOS-SIMULATED)', {
      offset: 12,
    })

  // Certificate chain: [PCK leaf, simulated root]; the root must be one we were told to trust.
  if (q.pckChainDer.length !== 2)
    fail('ATTESTATION_MALFORMED', `simulated PCK chain must hold 2 certificates, found ${q.pckChainDer.length}`)
  const [leafDer, rootDer] = q.pckChainDer as [Uint8Array, Uint8Array]
  const fp = sha256(rootDer)
  let trusted = false
  for (const r of cfg.trustedRoots) trusted = equalBytes(sha256(r), fp) || trusted
  if (!trusted)
    fail(
      'ATTESTATION_UNTRUSTED_ROOT',
      'simulated quote is signed by a simulated root CA this node does not trust; add its simulated-root-ca.pem to the trusted simulated roots',
    )
  const leaf = parseCertDer(leafDer, 'simulated PCK leaf')
  const root = parseCertDer(rootDer, 'simulated root CA')
  checkValidity(root, opts.now, 'root CA')
  checkValidity(leaf, opts.now, 'PCK leaf')
  const rootPub = p256PointOfCert(root)
  if (!verifyCertSignature(leafDer, rootPub))
    fail('ATTESTATION_BAD_SIGNATURE', 'PCK leaf certificate signature does not verify with the simulated root CA key')

  const leafPub = p256PointOfCert(leaf)
  const sig = q.signature
  if (!verifyRaw(sig.qeReportSignature, sig.qeReportRaw, leafPub))
    fail('ATTESTATION_BAD_SIGNATURE', 'QE report signature does not verify with the PCK leaf key')
  const binding = sha256(concatBytes(sig.attestationPublicKey, sig.qeAuthData))
  if (!equalBytes(sig.qeReport.reportData.subarray(0, 32), binding) || !isZero(sig.qeReport.reportData.subarray(32)))
    fail(
      'ATTESTATION_QE_BINDING',
      'QE report does not bind the attestation key (report_data ≠ sha256(att_key ‖ auth_data))',
    )
  if (!verifyRaw(sig.quoteSignature, q.signedRegion, sig.attestationPublicKey))
    fail('ATTESTATION_BAD_SIGNATURE', 'quote signature does not verify with the attestation key')

  const { tcb, sgx } = readSimulatedPck(leafDer)
  if (tcb.tcbStatus === 'Revoked') fail('ATTESTATION_TCB_REVOKED', 'simulated platform TCB status is Revoked')

  const debug = ((body.tdAttributes[0] as number) & TD_ATTR_DEBUG_BIT) !== 0
  if (debug && !cfg.allowDebug)
    fail('ATTESTATION_DEBUG', 'simulated TD runs in debug mode (td_attributes DEBUG bit set) and debug is not allowed')
  if (!isZero(body.mrSignerSeam)) fail('ATTESTATION_MEASUREMENT_MISMATCH', 'mr_signer_seam must be all zero')

  if (!equalBytes(body.reportData, att.reportData))
    fail('ATTESTATION_REPORT_DATA_MISMATCH', "quote report_data differs from the attestation's report_data")
  if (opts.expectedReportData && !equalBytes(body.reportData, opts.expectedReportData))
    fail('ATTESTATION_REPORT_DATA_MISMATCH', 'quote report_data differs from the expected report_data')

  if (!equalBytes(replayRuntimeEvents(att.runtimeEvents), body.rtmr[3]))
    fail('ATTESTATION_EVENT_LOG_MISMATCH', 'runtime events do not replay to the quoted RTMR3')

  const osImageHash = osImageHashFromConfig(att.config)
  if (osImageHash.length === 0) fail('ATTESTATION_MEASUREMENT_MISMATCH', 'vm config carries no os_image_hash')
  const regs: [SimulatedRegister, Uint8Array][] = [
    ['mrtd', body.mrTd],
    ['rtmr0', body.rtmr[0]],
    ['rtmr1', body.rtmr[1]],
    ['rtmr2', body.rtmr[2]],
  ]
  for (const [name, value] of regs)
    if (!equalBytes(simulatedMeasurement(name, osImageHash), value))
      fail(
        'ATTESTATION_MEASUREMENT_MISMATCH',
        `${name.toUpperCase()} does not match the os_image_hash in the vm config`,
      )

  return computeDstackIdentity({
    platform: 'simulated',
    report: body,
    runtimeEvents: att.runtimeEvents,
    config: att.config,
    rawDeviceId: sgx.ppid,
    tcbStatus: tcb.tcbStatus,
    advisoryIds: tcb.advisoryIds,
    debug,
    reportData: body.reportData,
    ...(opts.bootTimeMr ? { boottimeMr: true } : {}),
  })
}

/** `EvidenceVerifier` for simulated evidence only (createVerifier composes it with the real ones). */
export function createSimulatedVerifier(cfg: SimulatedVerifierOptions): EvidenceVerifier {
  const roots = cfg.trustedRoots.map((r) => r.slice())
  return { verify: (att, opts) => verifySimulatedQuote(att, opts, { ...cfg, trustedRoots: roots }) }
}
