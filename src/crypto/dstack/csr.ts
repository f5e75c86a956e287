/**
 * SignCert CSR wire format (dstack-kms.md §6.5, `ra-tls/src/cert.rs`), SCALE-encoded. Decoding is as
 * strict as parity-scale-codec (canonical compact lengths, bool 0/1, Option tag 0/1, valid UTF-8) so
 * re-encoding a decoded CSR gives back exactly the bytes dstack verifies the signature over.
 */
import { ScaleError, ScaleReader, ScaleWriter } from '../scale.js'
import { KmsCryptoError } from './errors.js'

/** `CertConfigV2` (V1's `CertConfig` upgrades with extAppInfo=false and no validity overrides). */
export interface CertConfigV2 {
  orgName?: string
  subject: string
  subjectAltNames: string[]
  usageServerAuth: boolean
  usageClientAuth: boolean
  extQuote: boolean
  extAppInfo: boolean
  /** unix seconds (u64) */
  notBefore?: bigint
  notAfter?: bigint
}

/** A decoded CSR, V1 already upgraded to the V2 shape. */
export interface SignCertCsr {
  apiVersion: 1 | 2
  /** must be "please sign cert:" (checked by verifySignCertCsr, after the signature, as dstack does) */
  confirm: string
  /** SPKI DER of the CSR key (P-256) */
  pubkey: Uint8Array
  config: CertConfigV2
  /**
   * V2: the `VersionedAttestation` bytes (V0 SCALE or V1 msgpack), the unprefixed tail of the CSR.
   * V1: empty (fails closed in any attestation decoder); the evidence is in `legacyTdx`.
   */
  attestation: Uint8Array
  /** V1 only: raw TDX quote and event-log JSON bytes (dstack builds an attestation with `Attestation::from_tdx_quote`) */
  legacyTdx?: { quote: Uint8Array; eventLog: Uint8Array }
  /** the exact SCALE bytes the signature covers (dstack: `csr.encode()`; for V1 excludes ignored trailing bytes) */
  signedBytes: Uint8Array
}

/** dstack caps a VersionedAttestation at 10 MiB. */
export const MAX_CSR_ATTESTATION_BYTES = 10 * 1024 * 1024

const bad = (msg: string, cause?: unknown) =>
  new KmsCryptoError('KMS_CRYPTO_BAD_CSR', `invalid SignCert CSR: ${msg}`, {}, { cause })

/** Size of the canonical SCALE Compact<u32> encoding of n. */
function compactSize(n: number): number {
  return n < 1 << 6 ? 1 : n < 1 << 14 ? 2 : n < 2 ** 30 ? 4 : 5
}

/** Compact<u32> length, rejecting non-canonical forms and values ≥ 2^32 (parity-scale-codec does too). */
function readLen(r: ScaleReader): number {
  const start = r.offset
  const n = r.compactLen()
  if (n >= 2 ** 32 || r.offset - start !== compactSize(n)) throw new ScaleError('non-canonical compact length')
  return n
}
const readBytes = (r: ScaleReader): Uint8Array => r.bytes(readLen(r))
function readString(r: ScaleReader): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readBytes(r))
  } catch (e) {
    if (e instanceof ScaleError) throw e
    throw new ScaleError('invalid UTF-8 in string')
  }
}
function readStrings(r: ScaleReader): string[] {
  const n = readLen(r)
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(readString(r))
  return out
}

function readConfig(r: ScaleReader, v2: boolean): CertConfigV2 {
  const orgName = r.option(readString)
  const subject = readString(r)
  const subjectAltNames = readStrings(r)
  const usageServerAuth = r.bool()
  const usageClientAuth = r.bool()
  const extQuote = r.bool()
  const cfg: CertConfigV2 = { subject, subjectAltNames, usageServerAuth, usageClientAuth, extQuote, extAppInfo: false }
  if (orgName !== undefined) cfg.orgName = orgName
  if (v2) {
    cfg.extAppInfo = r.bool()
    const nb = r.option((x) => x.u64())
    const na = r.option((x) => x.u64())
    if (nb !== undefined) cfg.notBefore = nb
    if (na !== undefined) cfg.notAfter = na
  }
  return cfg
}

function writeConfig(w: ScaleWriter, c: CertConfigV2, v2: boolean): void {
  w.option(c.orgName, (x, v) => x.string(v))
    .string(c.subject)
    .vec(c.subjectAltNames, (x, v) => x.string(v))
    .bool(c.usageServerAuth)
    .bool(c.usageClientAuth)
    .bool(c.extQuote)
  if (v2) {
    w.bool(c.extAppInfo)
      .option(c.notBefore, (x, v) => x.u64(v))
      .option(c.notAfter, (x, v) => x.u64(v))
  }
}

/** SCALE bytes of a `CertConfigV2`. */
export function encodeCertConfigV2(config: CertConfigV2): Uint8Array {
  const w = new ScaleWriter()
  writeConfig(w, config, true)
  return w.finish()
}

/** Decode a standalone `CertConfigV2` (whole input). */
export function decodeCertConfigV2(bytes: Uint8Array): CertConfigV2 {
  try {
    const r = new ScaleReader(bytes)
    const c = readConfig(r, true)
    r.end()
    return c
  } catch (e) {
    throw e instanceof ScaleError ? bad(e.message, e) : e
  }
}

/** The attestation tail must look like a VersionedAttestation: V0 (0x00) or a msgpack map (V1). Full parsing is the attestation domain's job. */
function checkAttestationTail(tail: Uint8Array): void {
  if (tail.length === 0) throw new ScaleError('missing attestation')
  if (tail.length > MAX_CSR_ATTESTATION_BYTES) throw new ScaleError('attestation exceeds 10 MiB')
  const b = tail[0] as number
  if (!(b === 0x00 || (b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf))
    throw new ScaleError(`attestation starts with 0x${b.toString(16)}, not a VersionedAttestation`)
}

/** Decode `CertSigningRequestV2`: the attestation is the unprefixed rest of the input. */
export function decodeCsrV2(bytes: Uint8Array): SignCertCsr {
  try {
    const r = new ScaleReader(bytes)
    const confirm = readString(r)
    const pubkey = readBytes(r)
    const config = readConfig(r, true)
    const tail = r.rest()
    checkAttestationTail(tail)
    return {
      apiVersion: 2,
      confirm,
      pubkey,
      config,
      attestation: tail,
      signedBytes: bytes,
    }
  } catch (e) {
    throw e instanceof ScaleError ? bad(e.message, e) : e
  }
}

/**
 * Decode `CertSigningRequestV1{confirm, pubkey, config: CertConfig, quote, event_log}` and upgrade it to
 * the V2 shape. Like dstack's `Decode::decode`, trailing bytes are ignored and not covered by the signature.
 */
export function decodeCsrV1(bytes: Uint8Array): SignCertCsr {
  try {
    const r = new ScaleReader(bytes)
    const confirm = readString(r)
    const pubkey = readBytes(r)
    const config = readConfig(r, false)
    const quote = readBytes(r)
    const eventLog = readBytes(r)
    const signedBytes = bytes.subarray(0, r.offset)
    return {
      apiVersion: 1,
      confirm,
      pubkey,
      config,
      attestation: new Uint8Array(0),
      legacyTdx: { quote, eventLog },
      signedBytes,
    }
  } catch (e) {
    throw e instanceof ScaleError ? bad(e.message, e) : e
  }
}

/** `SignCertRequest.api_version` dispatch: 1 → V1 (upgraded), 2 → V2; anything else is refused. */
export function decodeCsr(apiVersion: number, bytes: Uint8Array): SignCertCsr {
  if (apiVersion === 1) return decodeCsrV1(bytes)
  if (apiVersion === 2) return decodeCsrV2(bytes)
  throw bad(`unsupported api_version ${apiVersion} (expected 1 or 2)`)
}

/** SCALE bytes of a `CertSigningRequestV2` (what the CSR key signs). */
export function encodeCsrV2(csr: {
  confirm: string
  pubkey: Uint8Array
  config: CertConfigV2
  attestation: Uint8Array
}): Uint8Array {
  const w = new ScaleWriter().string(csr.confirm).vecU8(csr.pubkey)
  writeConfig(w, csr.config, true)
  return w.bytes(csr.attestation).finish()
}

/** SCALE bytes of a `CertSigningRequestV1` (config fields of V2 beyond extQuote are not encoded). */
export function encodeCsrV1(csr: {
  confirm: string
  pubkey: Uint8Array
  config: Omit<CertConfigV2, 'extAppInfo' | 'notBefore' | 'notAfter'>
  quote: Uint8Array
  eventLog: Uint8Array
}): Uint8Array {
  const w = new ScaleWriter().string(csr.confirm).vecU8(csr.pubkey)
  writeConfig(w, { ...csr.config, extAppInfo: false }, false)
  return w.vecU8(csr.quote).vecU8(csr.eventLog).finish()
}
