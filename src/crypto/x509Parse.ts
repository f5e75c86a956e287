/**
 * Reading X.509 certificates: the fields Custos decides on (SPKI, names, validity, CA flag, raw extensions)
 * and signature checks against an issuer. Throws TypeError on input that is not a DER certificate.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

export interface CertExtension {
  oid: string
  critical: boolean
  /** extnValue content (the bytes inside the outer OCTET STRING) */
  value: Uint8Array
}

export interface ParsedCertificate {
  der: Uint8Array
  /** SubjectPublicKeyInfo DER */
  spki: Uint8Array
  /** RFC 4514-ish text, e.g. `O=Dstack, CN=Dstack KMS CA` */
  subject: string
  issuer: string
  serialNumber: string
  /** Unix seconds */
  notBefore: number
  notAfter: number
  isCa: boolean
  pathLen?: number
  extensions: CertExtension[]
}

function load(der: Uint8Array): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der)
  } catch (cause) {
    throw new TypeError('expected a DER X.509 certificate', { cause })
  }
}

/** Parse a DER certificate. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const cert = load(der)
  const bc = cert.getExtension(x509.BasicConstraintsExtension)
  const parsed: ParsedCertificate = {
    der,
    spki: new Uint8Array(cert.publicKey.rawData),
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: Math.floor(cert.notBefore.getTime() / 1000),
    notAfter: Math.floor(cert.notAfter.getTime() / 1000),
    isCa: bc?.ca ?? false,
    extensions: cert.extensions.map((e) => ({ oid: e.type, critical: e.critical, value: new Uint8Array(e.value) })),
  }
  if (bc?.pathLength !== undefined) parsed.pathLen = bc.pathLength
  return parsed
}

/** extnValue content of the extension `oid`, or undefined. Throws TypeError if it appears more than once. */
export function getCertExtension(cert: ParsedCertificate, oid: string): Uint8Array | undefined {
  const found = cert.extensions.filter((e) => e.oid === oid)
  if (found.length > 1) throw new TypeError(`certificate has extension ${oid} more than once`)
  return found[0]?.value
}

/** True when `der` is signed by the key of `issuerDer` and its issuer name equals the issuer's subject. */
export async function isSignedBy(der: Uint8Array, issuerDer: Uint8Array): Promise<boolean> {
  const cert = load(der)
  const issuer = load(issuerDer)
  const a = new Uint8Array(cert.issuerName.toArrayBuffer())
  const b = new Uint8Array(issuer.subjectName.toArrayBuffer())
  if (a.length !== b.length || !a.every((x, i) => x === b[i])) return false
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true })
  } catch {
    return false
  }
}
