/**
 * X.509 v3 certificate building (ECDSA P-256 / SHA-256) the way dstack's rcgen-based code does it
 * (`ra-tls/src/cert.rs` CertRequest, dstack-kms.md §3.1): subject `O=<org>, CN=<cn>` (UTF8String, O first),
 * KeyUsage digitalSignature (+ keyCertSign, cRLSign for CAs), BasicConstraints CA with pathLen,
 * optional EKU serverAuth/clientAuth, DNS/IP SANs and arbitrary extra extensions. Validity defaults to
 * now → now + 10 years.
 */
import 'reflect-metadata'
import { isIP } from 'node:net'
import * as x509 from '@peculiar/x509'
import { derToPem } from './pem.js'
import type { P256KeyPair, WebCryptoKey } from './x509Keys.js'

/** A certificate as DER plus its PEM armour. */
export interface X509Cert {
  der: Uint8Array
  pem: string
}

/** Subject name. Encoded as `O=<organizationName>, CN=<commonName>` (rcgen push order), UTF8String. */
export interface DistinguishedName {
  commonName: string
  organizationName?: string
}

/** A raw extension: `value` is the extnValue content (already DER), it is wrapped in the outer OCTET STRING. */
export interface CertExtensionInput {
  oid: string
  value: Uint8Array
  critical?: boolean
}

export type KeyUsageName = 'digitalSignature' | 'keyEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign'

/** Unix seconds or a Date. */
export type CertTime = number | Date

export interface CertificateOptions {
  subject: DistinguishedName
  /** Make a CA with this BasicConstraints pathLen (adds keyCertSign + cRLSign). */
  ca?: { pathLen: number }
  /** SANs: IPv4/IPv6 literals become iPAddress, everything else dNSName. */
  altNames?: string[]
  serverAuth?: boolean
  clientAuth?: boolean
  /** Override the KeyUsage bits (default digitalSignature, plus keyCertSign + cRLSign for CAs). */
  keyUsage?: KeyUsageName[]
  extensions?: CertExtensionInput[]
  notBefore?: CertTime
  /** Default notBefore + 10 × 365 days (rcgen / dstack). */
  notAfter?: CertTime
  /** Unix seconds used when notBefore is absent; defaults to the wall clock. */
  now?: number
  /** Hex serial number; random (positive, 16 bytes) when absent. */
  serialNumber?: string
}

/** Who signs: the issuer certificate (its subject becomes our issuer name) and its private key. */
export interface CertIssuer {
  cert: X509Cert | Uint8Array
  privateKey: WebCryptoKey
}

export const TEN_YEARS_SECONDS = 10 * 365 * 86400

const KEY_USAGE_FLAGS: Record<KeyUsageName, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
}

const OID_O = '2.5.4.10'
const OID_CN = '2.5.4.3'

function toName(dn: DistinguishedName): x509.Name {
  const parts: Record<string, { utf8String: string }[]>[] = []
  if (dn.organizationName !== undefined) parts.push({ [OID_O]: [{ utf8String: dn.organizationName }] })
  parts.push({ [OID_CN]: [{ utf8String: dn.commonName }] })
  return new x509.Name(parts)
}

const toDate = (t: CertTime): Date => (t instanceof Date ? t : new Date(t * 1000))

function randomSerial(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16))
  b[0] = (b[0]! & 0x7f) | 0x01 // positive and no leading zero byte
  return Buffer.from(b).toString('hex')
}

async function buildExtensions(
  opts: CertificateOptions,
  publicKey: WebCryptoKey,
  issuerPublicKey: WebCryptoKey | x509.PublicKey | undefined,
): Promise<x509.Extension[]> {
  const exts: x509.Extension[] = []
  if (opts.ca) {
    if (!Number.isInteger(opts.ca.pathLen) || opts.ca.pathLen < 0) throw new RangeError('"ca.pathLen" must be >= 0')
    exts.push(new x509.BasicConstraintsExtension(true, opts.ca.pathLen, true))
  }
  const usages = opts.keyUsage ?? (opts.ca ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature'])
  if (usages.length > 0) {
    const flags = usages.reduce((acc, u) => acc | KEY_USAGE_FLAGS[u], 0)
    exts.push(new x509.KeyUsagesExtension(flags, true))
  }
  const eku: string[] = []
  if (opts.serverAuth) eku.push(x509.ExtendedKeyUsage.serverAuth)
  if (opts.clientAuth) eku.push(x509.ExtendedKeyUsage.clientAuth)
  if (eku.length > 0) exts.push(new x509.ExtendedKeyUsageExtension(eku, false))
  if (opts.altNames && opts.altNames.length > 0) {
    const names = opts.altNames.map((v) => ({ type: isIP(v) ? ('ip' as const) : ('dns' as const), value: v }))
    exts.push(new x509.SubjectAlternativeNameExtension(names, false))
  }
  exts.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false))
  if (issuerPublicKey) exts.push(await x509.AuthorityKeyIdentifierExtension.create(issuerPublicKey, false))
  for (const e of opts.extensions ?? []) exts.push(new x509.Extension(e.oid, e.critical ?? false, e.value))
  return exts
}

function validity(opts: CertificateOptions): { notBefore: Date; notAfter: Date } {
  const notBefore = opts.notBefore !== undefined ? toDate(opts.notBefore) : toDate(opts.now ?? Date.now() / 1000)
  notBefore.setMilliseconds(0)
  const notAfter =
    opts.notAfter !== undefined ? toDate(opts.notAfter) : new Date(notBefore.getTime() + TEN_YEARS_SECONDS * 1000)
  if (notAfter.getTime() <= notBefore.getTime()) throw new RangeError('"notAfter" must be later than "notBefore"')
  return { notBefore, notAfter }
}

function toCert(cert: x509.X509Certificate): X509Cert {
  const der = new Uint8Array(cert.rawData)
  return { der, pem: derToPem(der, 'CERTIFICATE') }
}

/** Self-signed certificate for `keys` (a CA when `opts.ca` is set). */
export async function createSelfSignedCertificate(opts: CertificateOptions & { keys: P256KeyPair }): Promise<X509Cert> {
  const name = toName(opts.subject)
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialNumber ?? randomSerial(),
    subject: name,
    issuer: name,
    ...validity(opts),
    publicKey: opts.keys.publicKey,
    signingKey: opts.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: await buildExtensions(opts, opts.keys.publicKey, undefined),
  })
  return toCert(cert)
}

/**
 * Self-signed CA: KeyUsage digitalSignature+keyCertSign+cRLSign, BasicConstraints CA pathLen.
 * dstack: root CA `{O:'Dstack', CN:'Dstack KMS CA'}` pathLen 1; tmp CA `{O:'Dstack', CN:'Dstack Client Temp CA'}` pathLen 0.
 */
export async function createSelfSignedCa(
  opts: Omit<CertificateOptions, 'ca'> & { keys: P256KeyPair; pathLen: number },
): Promise<X509Cert> {
  return createSelfSignedCertificate({ ...opts, ca: { pathLen: opts.pathLen } })
}

/** Certificate for `publicKey` (WebCrypto key or SPKI DER) signed by `issuer` (leaf, or intermediate CA with `ca`). */
export async function issueCertificate(
  opts: CertificateOptions & { issuer: CertIssuer; publicKey: WebCryptoKey | Uint8Array },
): Promise<X509Cert> {
  const issuerDer = opts.issuer.cert instanceof Uint8Array ? opts.issuer.cert : opts.issuer.cert.der
  const issuerCert = new x509.X509Certificate(issuerDer)
  const publicKey =
    opts.publicKey instanceof Uint8Array
      ? await globalThis.crypto.subtle.importKey('spki', opts.publicKey, { name: 'ECDSA', namedCurve: 'P-256' }, true, [
          'verify',
        ])
      : opts.publicKey
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialNumber ?? randomSerial(),
    subject: toName(opts.subject),
    issuer: new x509.Name(issuerCert.subjectName.toArrayBuffer()),
    ...validity(opts),
    publicKey,
    signingKey: opts.issuer.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: await buildExtensions(opts, publicKey, issuerCert.publicKey),
  })
  return toCert(cert)
}
