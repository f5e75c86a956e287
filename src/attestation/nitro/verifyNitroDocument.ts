import { verify } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, equalBytes, isZero } from '../../crypto/index.js'
import type { Attestation } from '../types.js'
import { type NitroCertCache, rootFingerprintBytes, verifyNitroChain } from './chain.js'
import { coseSigStructure, parseCoseSign1 } from './cose.js'
import { type NitroDocument, parseNitroDocument } from './document.js'
import { splitNitroEvidence } from './envelope.js'
import { NitroError } from './errors.js'

export interface VerifyNitroDocumentOptions {
  /**
   * Unix seconds at which the certificates must be valid and against which the document must be fresh. Default:
   * the document's own timestamp (offline checks of stored documents; no freshness check then).
   */
  now?: number
  /** SHA-256 of the trusted root (32 bytes or hex); default AWS Nitro Enclaves Root-G1 */
  trustedRootFingerprint?: Uint8Array | string
  /** accept debug-mode enclaves (PCR0–2 all zero); default false */
  allowDebug?: boolean
  /** with `now`: refuse documents older than this (dstack nsm-qvl: 3600 s); default 3600 */
  maxAgeSeconds?: number
  /** when set, user_data must equal these bytes (constant-time compare) */
  expectedReportData?: Uint8Array
  /** parsed/verified certificate cache (see createNitroCertCache); without it every call does the full chain work */
  cache?: NitroCertCache
}

export interface NitroVerdict {
  document: NitroDocument
  /** the COSE_Sign1 carried tag 18 */
  tagged: boolean
  /** PCR0–2 all zero */
  debug: boolean
  /** dstack os_image_hash = mr_system = mr_aggregated = sha256(PCR0 ‖ PCR1 ‖ PCR2) */
  osImageHash: Uint8Array
  /** ms since the epoch at which certificate validity was checked */
  checkedAt: number
  /** the dstack envelope, when the input was one */
  envelope?: Attestation
}

/** dstack nsm-qvl tolerates this much clock skew for future-dated documents. */
const CLOCK_SKEW_MS = 300_000
const DEFAULT_MAX_AGE_SECONDS = 3600

function pcr(doc: NitroDocument, i: number): Uint8Array {
  const v = doc.pcrs.get(i)
  if (!v) throw new NitroError('NITRO_MALFORMED', `attestation document has no PCR${i}`, { field: `pcrs[${i}]` })
  return v
}

/**
 * Verify an AWS Nitro attestation document (bare COSE_Sign1 or in dstack's envelope): COSE structure and ES384
 * header, payload fields, certificate chain to the pinned root with validity at `now` (or the document
 * timestamp), the signing certificate valid at the document timestamp, the COSE signature, freshness, debug
 * mode and the expected user_data. Pure and synchronous (node:crypto), no I/O.
 * @throws NitroError
 */
export function verifyNitroDocument(bytes: Uint8Array, opts: VerifyNitroDocumentOptions = {}): NitroVerdict {
  const { document: raw, attestation } = splitNitroEvidence(bytes)
  const cose = parseCoseSign1(raw)
  const doc = parseNitroDocument(cose.payload)
  const atMs = opts.now === undefined ? doc.timestamp : Math.round(opts.now * 1000)
  const leaf = verifyNitroChain(doc, {
    trustedRootFingerprint: rootFingerprintBytes(opts.trustedRootFingerprint),
    atMs,
    ...(opts.cache ? { cache: opts.cache } : {}),
  })
  if (doc.timestamp < leaf.notBefore || doc.timestamp > leaf.notAfter)
    throw new NitroError(
      'NITRO_CERT_EXPIRED',
      `the document timestamp ${new Date(doc.timestamp).toISOString()} is outside the signing certificate's validity`,
      { what: 'certificate', at: doc.timestamp },
    )
  let ok = false
  try {
    ok = verify(
      'sha384',
      coseSigStructure(cose.protected, cose.payload),
      {
        key: leaf.key,
        dsaEncoding: 'ieee-p1363',
      },
      cose.signature,
    )
  } catch {
    ok = false
  }
  if (!ok)
    throw new NitroError(
      'NITRO_BAD_SIGNATURE',
      'COSE_Sign1 signature does not verify with the signing certificate key',
      {
        field: 'signature',
      },
    )
  if (opts.now !== undefined) checkFreshness(doc.timestamp, atMs, opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS)
  const [p0, p1, p2] = [pcr(doc, 0), pcr(doc, 1), pcr(doc, 2)]
  const debug = isZero(p0) && isZero(p1) && isZero(p2)
  if (debug && !opts.allowDebug)
    throw new NitroError(
      'NITRO_DEBUG',
      'the enclave runs in debug mode (PCR0–2 are zero), so nothing about its code is measured; start it without --debug-mode',
      { field: 'pcrs' },
    )
  if (opts.expectedReportData && !(doc.userData && equalBytes(doc.userData, opts.expectedReportData)))
    throw new NitroError('NITRO_REPORT_DATA_MISMATCH', 'user_data differs from the expected report_data', {
      field: 'user_data',
    })
  const verdict: NitroVerdict = {
    document: doc,
    tagged: cose.tagged,
    debug,
    osImageHash: sha256(concatBytes(p0, p1, p2)),
    checkedAt: atMs,
  }
  if (attestation) verdict.envelope = attestation
  return verdict
}

function checkFreshness(timestamp: number, nowMs: number, maxAgeSeconds: number): void {
  const age = nowMs - timestamp
  if (age > maxAgeSeconds * 1000)
    throw new NitroError(
      'NITRO_STALE',
      `the attestation document is ${Math.round(age / 1000)} s old (limit ${maxAgeSeconds} s); request a fresh one`,
      { field: 'timestamp' },
    )
  if (-age > CLOCK_SKEW_MS)
    throw new NitroError('NITRO_STALE', 'the attestation document timestamp lies in the future; check the clock', {
      field: 'timestamp',
    })
}
