/**
 * Test-only helpers (imported by *.test.ts, never by the verifier): the shared vectors, byte-flip tools,
 * and a synthetic DCAP world (own root → PCK CA → PCK leaf with an Intel SGX extension, TCB signing cert,
 * CRLs, re-signed TCB Info / QE Identity, re-signed TDX quote) for cases no real vector covers.
 */
import 'reflect-metadata'
import { createHash, KeyObject, sign as nodeSign, webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as x509 from '@peculiar/x509'
import * as asn1js from 'asn1js'
import { parseQuote } from '../quote/parseQuote.js'
import type { Collateral } from './collateral.js'
import { SGX_EXTENSION_OID } from './pckExtension.js'

/** ../shared/vectors/dcap of the repo root, found from this file (not the working directory). */
export const VECTORS = resolve(import.meta.dirname, '../../../../shared/vectors/dcap')
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

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
type CryptoKey = webcrypto.CryptoKey
type CryptoKeyPair = webcrypto.CryptoKeyPair

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair
}

const seq = (...v: asn1js.AsnType[]) => new asn1js.Sequence({ value: v })
const oid = (s: string) => new asn1js.ObjectIdentifier({ value: s })
const oct = (b: Uint8Array) => new asn1js.OctetString({ valueHex: b })

export interface SgxExtInput {
  ppid: Uint8Array
  components: number[]
  pceSvn: number
  pceId: Uint8Array
  fmspc: Uint8Array
}

export function encodeSgxExtension(e: SgxExtInput): ArrayBuffer {
  const p = `${SGX_EXTENSION_OID}.`
  const tcb = e.components.map((v, i) => seq(oid(`${p}2.${i + 1}`), new asn1js.Integer({ value: v })))
  tcb.push(seq(oid(`${p}2.17`), new asn1js.Integer({ value: e.pceSvn })))
  tcb.push(seq(oid(`${p}2.18`), oct(Uint8Array.from(e.components))))
  return seq(
    seq(oid(`${p}1`), oct(e.ppid)),
    seq(oid(`${p}2`), seq(...tcb)),
    seq(oid(`${p}3`), oct(e.pceId)),
    seq(oid(`${p}4`), oct(e.fmspc)),
    seq(oid(`${p}5`), new asn1js.Enumerated({ value: 0 })),
  ).toBER()
}

const NB = new Date('2025-01-01T00:00:00Z')
const NA = new Date('2027-01-01T00:00:00Z')
let serial = 0x1000

async function issue(
  subject: string,
  pub: CryptoKey,
  issuer: { name: string; key: CryptoKey } | 'self',
  signingKey: CryptoKey,
  ca: boolean,
  extra: x509.Extension[] = [],
): Promise<x509.X509Certificate> {
  serial += 1
  return x509.X509CertificateGenerator.create({
    serialNumber: serial.toString(16).padStart(6, '0'),
    subject,
    issuer: issuer === 'self' ? subject : issuer.name,
    notBefore: NB,
    notAfter: NA,
    signingAlgorithm: ALG,
    publicKey: pub,
    signingKey,
    extensions: [new x509.BasicConstraintsExtension(ca, ca ? 1 : undefined, true), ...extra],
  })
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
  /** the real tdx_quote re-signed by this world; `body` edits the TD report before signing */
  quote(o?: { body?: (body: Uint8Array) => void; header?: (header: Uint8Array) => void }): Uint8Array
}

const ROOT = 'CN=Test SGX Root CA, O=Custos Test'
const PCK_CA = 'CN=Test SGX PCK Platform CA, O=Custos Test'

/** Build a synthetic DCAP world around the real tdx_quote / tdx collateral (FMSPC B0C06F000000, level 0). */
export async function buildTestWorld(): Promise<TestWorld> {
  const real = loadVector('tdx_quote')
  const [rootK, caK, leafK, tcbK, attK, otherK] = await Promise.all([keys(), keys(), keys(), keys(), keys(), keys()])
  const root = await issue(ROOT, rootK.publicKey, 'self', rootK.privateKey, true)
  const pckCa = await issue(PCK_CA, caK.publicKey, { name: ROOT, key: rootK.privateKey }, rootK.privateKey, true)
  const other = await issue(
    'CN=Test SGX PCK Processor CA, O=Custos Test',
    otherK.publicKey,
    { name: ROOT, key: rootK.privateKey },
    rootK.privateKey,
    true,
  )
  const ppid = Uint8Array.from(createHash('sha256').update('test ppid').digest().subarray(0, 16))
  const ext = encodeSgxExtension({
    ppid,
    components: [2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0],
    pceSvn: 11,
    pceId: new Uint8Array(2),
    fmspc: Uint8Array.from(Buffer.from('B0C06F000000', 'hex')),
  })
  const pckLeaf = await issue(
    'CN=Test SGX PCK Certificate, O=Custos Test',
    leafK.publicKey,
    { name: PCK_CA, key: caK.privateKey },
    caK.privateKey,
    false,
    [new x509.Extension(SGX_EXTENSION_OID, false, ext)],
  )
  const tcbSigner = await issue(
    'CN=Test SGX TCB Signing, O=Custos Test',
    tcbK.publicKey,
    { name: ROOT, key: rootK.privateKey },
    rootK.privateKey,
    false,
  )
  const pem = (...c: x509.X509Certificate[]) => c.map((x) => x.toString('pem')).join('\n')
  const ko = (k: CryptoKey) => KeyObject.from(k)
  const signHex = (s: string) =>
    nodeSign('sha256', Buffer.from(s, 'utf8'), { key: ko(tcbK.privateKey), dsaEncoding: 'ieee-p1363' }).toString('hex')
  const crl = async (issuer: string, key: CryptoKey, revoked: string[]) =>
    Buffer.from(
      (
        await x509.X509CrlGenerator.create({
          issuer,
          thisUpdate: new Date('2025-06-01T00:00:00Z'),
          nextUpdate: new Date('2025-08-01T00:00:00Z'),
          entries: revoked.map((s) => ({ serialNumber: s, revocationDate: new Date('2025-06-01T00:00:00Z') })),
          signingAlgorithm: ALG,
          signingKey: key,
        })
      ).rawData,
    ).toString('hex')

  const attRaw = new Uint8Array((await webcrypto.subtle.exportKey('raw', attK.publicKey)) as ArrayBuffer).subarray(1)
  const leafKey = ko(leafK.privateKey)
  const attKey = ko(attK.privateKey)

  return {
    rootDer: new Uint8Array(root.rawData),
    root,
    pckCa,
    pckLeaf,
    tcbSigner,
    ppid,
    async collateral(o = {}) {
      const tcbInfo = o.tcbInfo ?? real.collateral.tcb_info
      const useOther = o.pckCrlIssuer === 'other'
      return {
        pck_crl_issuer_chain: pem(useOther ? other : pckCa, root),
        root_ca_crl: await crl(ROOT, rootK.privateKey, o.rootRevoked ?? []),
        pck_crl: await crl(
          useOther ? other.subject : PCK_CA,
          useOther ? otherK.privateKey : caK.privateKey,
          o.pckRevoked ?? [],
        ),
        tcb_info_issuer_chain: pem(tcbSigner, root),
        tcb_info: tcbInfo,
        tcb_info_signature: signHex(tcbInfo),
        qe_identity_issuer_chain: pem(tcbSigner, root),
        qe_identity: o.qeIdentity ?? real.collateral.qe_identity,
        qe_identity_signature: signHex(o.qeIdentity ?? real.collateral.qe_identity),
      }
    },
    quote(o = {}) {
      const q = parseQuote(real.quote)
      const s = q.signature
      const signed = q.signedRegion.slice()
      o.body?.(signed.subarray(48))
      o.header?.(signed.subarray(0, 48))
      const qeReport = s.qeReportRaw.slice()
      const bind = createHash('sha256').update(attRaw).update(s.qeAuthData).digest()
      qeReport.set(bind, 320)
      qeReport.fill(0, 352, 384)
      const qeSig = nodeSign('sha256', qeReport, { key: leafKey, dsaEncoding: 'ieee-p1363' })
      const chain = Buffer.from(`${pem(pckLeaf, pckCa, root)}\n\0`, 'latin1')
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
      const quoteSig = nodeSign('sha256', signed, { key: attKey, dsaEncoding: 'ieee-p1363' })
      const sigData = Buffer.concat([quoteSig, attRaw, u16(6), u32(inner.length), inner])
      return new Uint8Array(Buffer.concat([signed, u32(sigData.length), sigData]))
    },
  }
}
