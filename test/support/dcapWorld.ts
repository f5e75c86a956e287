/**
 * Test-only helpers for the DCAP verifier (tests and bench/, never production): the shared vectors, byte-flip
 * tools, and a synthetic DCAP world — own root → PCK CA → PCK leaf with an Intel SGX extension, TCB signing
 * certificate, CRLs, re-signed TCB Info / QE Identity, the real `tdx_quote` re-signed under that chain — built with
 * the same builder the simulated vendor uses (src/attestation/simulated/dcapPki.ts).
 */
import 'reflect-metadata'
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as x509 from '@peculiar/x509'
import {
  type Collateral,
  type DcapKey,
  dcapCollateral,
  dcapKey,
  encodeSgxExtension,
  issueDcapCertificate,
  issueDcapCrl,
  parseQuote,
  SGX_EXTENSION_OID,
  signP256Raw,
} from '../../src/attestation/index.js'

/** ../shared/vectors/dcap of the repo root, found from this file (not the working directory). */
export const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors/dcap')
export const PINNED = { sgx_quote: 1751624924, tdx_quote: 1751624655, tdx_quote_outdated: 1772323200 } as const
export type VectorName = keyof typeof PINNED

export function loadVector(name: VectorName): { quote: Uint8Array; collateral: Collateral } {
  return {
    quote: new Uint8Array(readFileSync(resolve(VECTORS, name))),
    collateral: JSON.parse(readFileSync(resolve(VECTORS, `${name}_collateral.json`), 'utf8')) as Collateral,
  }
}

export function flipByte(b: Uint8Array, i: number): Uint8Array {
  const out = b.slice()
  out[i] = (out[i] as number) ^ 0x01
  return out
}

/** Flip one hex nibble of a hex string at byte `i` (changes exactly one byte). */
export function flipHex(hex: string, i: number): string {
  const c = hex[2 * i + 1] as string
  const n = (Number.parseInt(c, 16) ^ 1).toString(16)
  return hex.slice(0, 2 * i + 1) + n + hex.slice(2 * i + 2)
}

/** Flip one character of a string (ASCII) at `i`. */
export function flipChar(s: string, i: number): string {
  return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 0x01) + s.slice(i + 1)
}

const PEM_BODY_RE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g

/**
 * Flip DER byte `at` (fraction 0..1 of its length, or index when ≥ 1) of the `k`-th PEM certificate inside a
 * text, re-encoding in place so the text keeps its length and line breaks.
 */
export function flipPemCert(text: string, k: number, at: number): string {
  const m = [...text.matchAll(PEM_BODY_RE)][k]
  if (!m || m.index === undefined) throw new Error(`no certificate ${k}`)
  const bodyStart = m.index + '-----BEGIN CERTIFICATE-----'.length
  const body = m[1] as string
  const positions: number[] = []
  let b64 = ''
  for (let i = 0; i < body.length; i++)
    if (!/\s/.test(body[i] as string)) {
      positions.push(bodyStart + i)
      b64 += body[i]
    }
  const der = Buffer.from(b64, 'base64')
  const idx = at >= 1 ? at : Math.floor(der.length * at)
  der[idx] = (der[idx] as number) ^ 0x01
  const nb64 = der.toString('base64')
  const chars = text.split('')
  positions.forEach((p, i) => {
    chars[p] = nb64[i] as string
  })
  return chars.join('')
}

/** Same as flipPemCert for a PEM chain embedded in quote bytes (latin1). */
export function flipQuoteCert(quote: Uint8Array, k: number, at: number): Uint8Array {
  const text = Buffer.from(quote).toString('latin1')
  return new Uint8Array(Buffer.from(flipPemCert(text, k, at), 'latin1'))
}

/** Absolute offsets of the signed regions of a quote. */
export function quoteRegions(quote: Uint8Array) {
  const q = parseQuote(quote)
  const off = (s: Uint8Array) => s.byteOffset - quote.byteOffset
  const s = q.signature
  return {
    header: 28,
    bodyStart: 48,
    bodyEnd: q.signedLength - 1,
    quoteSignature: off(s.quoteSignature),
    attestationKey: off(s.attestationPublicKey),
    qeReport: off(s.qeReportRaw),
    qeReportSignature: off(s.qeReportSignature),
    qeAuthData: off(s.qeAuthData),
  }
}

// ---------------------------------------------------------------- synthetic world

const newKey = (): DcapKey => dcapKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)

/** TD 1.0 report body offsets (attestation.md §1) of the fields `quote()` can set directly. */
const BODY_RTMR3 = 328 + 3 * 48
const BODY_REPORT_DATA = 520
let realQuote: Uint8Array | undefined
const REAL_TDX_QUOTE = () => {
  realQuote ??= loadVector('tdx_quote').quote
  return realQuote
}

export interface TestWorldOptions {
  /** validity of every certificate; default 2025-01-01 → 2027-01-01 (the vectors' pinned times fall inside) */
  certificates?: { notBefore: Date; notAfter: Date }
  /** thisUpdate / nextUpdate of both CRLs; default 2025-06-01 → 2025-08-01 */
  crls?: { thisUpdate: Date; nextUpdate: Date }
  /**
   * re-date the vector's TCB Info and QE Identity (issueDate / nextUpdate) before signing, e.g. to verify at the
   * wall-clock time (bench); default: the vector's own text and dates
   */
  documents?: { issueDate: Date; nextUpdate: Date }
}

/** What re-signs a quote under a world's PCK chain (and can travel to another process, see `quoteSignerJson`). */
export interface QuoteSigner {
  /** PCK leaf key (signs the QE report) */
  leafKey: DcapKey
  /** attestation key (signs header ‖ body) */
  attKey: DcapKey
  /** [PCK leaf, PCK CA, root], DER */
  chainDer: Uint8Array[]
}

export interface ResignOptions {
  /** edit the TD report before signing */
  body?: (body: Uint8Array) => void
  header?: (header: Uint8Array) => void
  /** 64 bytes */
  reportData?: Uint8Array
  /** 48 bytes */
  rtmr3?: Uint8Array
}

const qeReports = new WeakMap<QuoteSigner, { report: Uint8Array; signature: Uint8Array }>()

/** The real tdx_quote re-signed by `signer`: its QE report rebound to the attestation key, its chain replaced. */
export function resignTdxQuote(signer: QuoteSigner, o: ResignOptions = {}): Uint8Array {
  const q = parseQuote(REAL_TDX_QUOTE())
  const s = q.signature
  const signed = q.signedRegion.slice()
  if (o.reportData) signed.set(o.reportData, 48 + BODY_REPORT_DATA)
  if (o.rtmr3) signed.set(o.rtmr3, 48 + BODY_RTMR3)
  o.body?.(signed.subarray(48))
  o.header?.(signed.subarray(0, 48))
  // a platform's QE certifies its attestation key once: every quote carries the same QE report and signature
  let qe = qeReports.get(signer)
  if (!qe) {
    const report = s.qeReportRaw.slice()
    report.set(createHash('sha256').update(signer.attKey.rawXY).update(s.qeAuthData).digest(), 320)
    report.fill(0, 352, 384)
    qe = { report, signature: signP256Raw(signer.leafKey, report) }
    qeReports.set(signer, qe)
  }
  const { report: qeReport, signature: qeSig } = qe
  const pem = signer.chainDer.map((d) => new x509.X509Certificate(d).toString('pem')).join('\n')
  const chain = Buffer.from(`${pem}\n\0`, 'latin1')
  const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8])
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    return b
  }
  const inner = Buffer.concat([
    qeReport,
    qeSig,
    u16(s.qeAuthData.length),
    s.qeAuthData,
    u16(5),
    u32(chain.length),
    chain,
  ])
  const quoteSig = signP256Raw(signer.attKey, signed)
  const sigData = Buffer.concat([quoteSig, signer.attKey.rawXY, u16(6), u32(inner.length), inner])
  return new Uint8Array(Buffer.concat([signed, u32(sigData.length), sigData]))
}

/** A QuoteSigner as JSON (private keys as PKCS#8 hex): test/bench material only. */
export function quoteSignerJson(s: QuoteSigner): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
  const pkcs8 = (k: DcapKey) => hex(k.privateKey.export({ type: 'pkcs8', format: 'der' }))
  return JSON.stringify({ leafKey: pkcs8(s.leafKey), attKey: pkcs8(s.attKey), chainDer: s.chainDer.map(hex) })
}

export function quoteSignerFromJson(json: string): QuoteSigner {
  const o = JSON.parse(json) as { leafKey: string; attKey: string; chainDer: string[] }
  const key = (h: string) => dcapKey(createPrivateKey({ key: Buffer.from(h, 'hex'), format: 'der', type: 'pkcs8' }))
  return {
    leafKey: key(o.leafKey),
    attKey: key(o.attKey),
    chainDer: o.chainDer.map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
  }
}

export interface TestWorld {
  rootDer: Uint8Array
  root: x509.X509Certificate
  pckCa: x509.X509Certificate
  pckLeaf: x509.X509Certificate
  tcbSigner: x509.X509Certificate
  ppid: Uint8Array
  /** collateral for the synthetic quote; CRLs list the given serials */
  collateral(o?: {
    pckRevoked?: string[]
    rootRevoked?: string[]
    tcbInfo?: string
    qeIdentity?: string
    pckCrlIssuer?: 'pckCa' | 'other'
  }): Promise<Collateral>
  /** the real tdx_quote re-signed by this world (`resignTdxQuote`) */
  quote(o?: ResignOptions): Uint8Array
  /** the keys and chain `quote` signs with */
  signer: QuoteSigner
}

const ROOT = 'CN=Test SGX Root CA, O=Custos Test'
const PCK_CA = 'CN=Test SGX PCK Platform CA, O=Custos Test'
let serial = 0x1000

function redate(json: string, d: { issueDate: Date; nextUpdate: Date }): string {
  const o = JSON.parse(json) as Record<string, unknown>
  const iso = (x: Date) => x.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return JSON.stringify({ ...o, issueDate: iso(d.issueDate), nextUpdate: iso(d.nextUpdate) })
}

/** Build a synthetic DCAP world around the real tdx_quote / tdx collateral (FMSPC B0C06F000000, level 0). */
export async function buildTestWorld(opts: TestWorldOptions = {}): Promise<TestWorld> {
  const real = loadVector('tdx_quote')
  const validity = opts.certificates ?? {
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
  }
  const crlWindow = opts.crls ?? {
    thisUpdate: new Date('2025-06-01T00:00:00Z'),
    nextUpdate: new Date('2025-08-01T00:00:00Z'),
  }
  const [rootK, caK, leafK, tcbK, attK, otherK] = [newKey(), newKey(), newKey(), newKey(), newKey(), newKey()]
  const cert = async (
    subject: string,
    key: DcapKey,
    issuer: { certDer: Uint8Array; key: DcapKey } | undefined,
    ca: boolean,
    extensions: { oid: string; value: Uint8Array }[] = [],
  ) => {
    serial += 1
    return issueDcapCertificate({
      subject,
      key,
      ...(issuer ? { issuer } : {}),
      serialNumber: serial.toString(16).padStart(6, '0'),
      ...validity,
      ca,
      ...(ca ? { pathLength: 1 } : {}),
      extensions,
    })
  }
  const rootDer = await cert(ROOT, rootK, undefined, true)
  const rootIssuer = { certDer: rootDer, key: rootK }
  const pckCaDer = await cert(PCK_CA, caK, rootIssuer, true)
  const otherDer = await cert('CN=Test SGX PCK Processor CA, O=Custos Test', otherK, rootIssuer, true)
  const ppid = Uint8Array.from(createHash('sha256').update('test ppid').digest().subarray(0, 16))
  const ext = encodeSgxExtension({
    ppid,
    cpuSvn: Uint8Array.from([2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]),
    pceSvn: 11,
    pceId: new Uint8Array(2),
    fmspc: Uint8Array.from(Buffer.from('B0C06F000000', 'hex')),
    sgxType: 0,
  })
  const pckLeafDer = await cert(
    'CN=Test SGX PCK Certificate, O=Custos Test',
    leafK,
    { certDer: pckCaDer, key: caK },
    false,
    [{ oid: SGX_EXTENSION_OID, value: ext }],
  )
  const tcbSignerDer = await cert('CN=Test SGX TCB Signing, O=Custos Test', tcbK, rootIssuer, false)
  const crl = async (issuer: { certDer: Uint8Array; key: DcapKey }, revoked: string[]) =>
    issueDcapCrl({ issuer, ...crlWindow, revokedSerials: revoked })
  const docs = opts.documents
  const realTcbInfo = docs ? redate(real.collateral.tcb_info, docs) : real.collateral.tcb_info
  const realQeIdentity = docs ? redate(real.collateral.qe_identity, docs) : real.collateral.qe_identity
  const signer: QuoteSigner = { leafKey: leafK, attKey: attK, chainDer: [pckLeafDer, pckCaDer, rootDer] }

  return {
    rootDer,
    root: new x509.X509Certificate(rootDer),
    pckCa: new x509.X509Certificate(pckCaDer),
    pckLeaf: new x509.X509Certificate(pckLeafDer),
    tcbSigner: new x509.X509Certificate(tcbSignerDer),
    ppid,
    async collateral(o = {}) {
      const useOther = o.pckCrlIssuer === 'other'
      const crlIssuer = useOther ? { certDer: otherDer, key: otherK } : { certDer: pckCaDer, key: caK }
      return dcapCollateral({
        rootCertDer: rootDer,
        pckCaCertDer: crlIssuer.certDer,
        tcbSigningCertDer: tcbSignerDer,
        tcbSigningKey: tcbK,
        rootCrlDer: await crl(rootIssuer, o.rootRevoked ?? []),
        pckCrlDer: await crl(crlIssuer, o.pckRevoked ?? []),
        tcbInfo: o.tcbInfo ?? realTcbInfo,
        qeIdentity: o.qeIdentity ?? realQeIdentity,
      })
    },
    signer,
    quote: (o = {}) => resignTdxQuote(signer, o),
  }
}
