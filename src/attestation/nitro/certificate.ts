import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto'
import { der as asn1, type DerTlv as Tlv } from '../../crypto/index.js'
import { NitroError } from './errors.js'

const { children, content, DerError, expectTag, readTlv, timeOf, whole } = asn1

/**
 * The X.509 fields the Nitro chain check decides on, read with the strict DER reader (crypto/der) instead of
 * @peculiar/x509 (~1 ms per certificate here, more than the whole verify budget). The AWS PKI is uniform: every
 * certificate is v3, ECDSA P-384 signed with ecdsa-with-SHA384; anything else is refused. Signatures are checked
 * natively (node:crypto) over the exact TBSCertificate bytes.
 */
export interface NitroCert {
  der: Uint8Array
  /** lower-case hex SHA-256 of the DER (cache key, fingerprint) */
  sha256: string
  tbs: Uint8Array
  /** DER ECDSA-Sig-Value */
  signature: Uint8Array
  /** DER of the issuer / subject Name (compared byte for byte, as webpki does) */
  issuer: Uint8Array
  subject: Uint8Array
  /** ms since the epoch */
  notBefore: number
  notAfter: number
  isCa: boolean
  pathLen?: number
  /** KeyUsage bits, or undefined when the extension is absent */
  keyUsage?: { digitalSignature: boolean; keyCertSign: boolean }
  key: KeyObject
}

// AlgorithmIdentifier { ecdsa-with-SHA384 (1.2.840.10045.4.3.3) }, parameters absent (RFC 5758 §3.2)
const ECDSA_SHA384 = '300a06082a8648ce3d040303'
const OID_BASIC_CONSTRAINTS = '551d13'
const OID_KEY_USAGE = '551d0f'
/** critical extensions we may ignore safely (subject/authority key ids are never critical in practice) */
const KNOWN_EXTENSIONS = new Set([OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, '551d0e', '551d23', '551d1f', '551d25'])

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')

/** Parse one DER certificate. @throws NitroError NITRO_CHAIN_INVALID naming `what` */
export function parseNitroCert(der: Uint8Array, what: string): NitroCert {
  try {
    return parse(der)
  } catch (e) {
    if (e instanceof NitroError) throw e
    const why = e instanceof Error ? e.message : String(e)
    throw new NitroError(
      'NITRO_CHAIN_INVALID',
      `${what} is not a usable X.509 certificate (${why})`,
      { what },
      {
        cause: e,
      },
    )
  }
}

function parse(der: Uint8Array): NitroCert {
  const top = readTlv(der, 0)
  if (top.tag !== 0x30 || top.end !== der.length) throw new DerError('not a single DER SEQUENCE')
  const [tbsT, algT, sigT, extra] = children(der, top)
  if (extra) throw new DerError('extra elements after the signature')
  expectTag(tbsT, 0x30, 'TBSCertificate')
  expectTag(algT, 0x30, 'signatureAlgorithm')
  expectTag(sigT, 0x03, 'signatureValue')
  if (hex(whole(der, algT as Tlv)) !== ECDSA_SHA384) throw new DerError('signature algorithm is not ecdsa-with-SHA384')
  const sigBits = content(der, sigT as Tlv)
  if (sigBits[0] !== 0) throw new DerError('signature BIT STRING has unused bits')

  const f = children(der, tbsT as Tlv)
  let i = 0
  const version = expectTag(f[i++], 0xa0, 'v3 version')
  const v = readTlv(der, version.body, version.end)
  if (v.tag !== 0x02 || v.end - v.body !== 1 || der[v.body] !== 2) throw new DerError('not a v3 certificate')
  expectTag(f[i++], 0x02, 'serialNumber')
  const innerAlg = expectTag(f[i++], 0x30, 'TBS signature algorithm')
  if (hex(whole(der, innerAlg)) !== ECDSA_SHA384) throw new DerError('TBS signature algorithm differs')
  const issuer = expectTag(f[i++], 0x30, 'issuer')
  const validity = children(der, expectTag(f[i++], 0x30, 'validity'))
  if (validity.length !== 2) throw new DerError('validity must hold two times')
  const subject = expectTag(f[i++], 0x30, 'subject')
  const spki = expectTag(f[i++], 0x30, 'subjectPublicKeyInfo')
  while (f[i] && (f[i]?.tag === 0x81 || f[i]?.tag === 0x82)) i++
  const extsT = f[i] ? expectTag(f[i++], 0xa3, 'extensions') : undefined
  if (f[i]) throw new DerError('unexpected TBSCertificate field')

  const key = createPublicKey({ key: Buffer.from(whole(der, spki)), format: 'der', type: 'spki' })
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1')
    throw new DerError('public key is not ECDSA P-384')

  const cert: NitroCert = {
    der,
    sha256: createHash('sha256').update(der).digest('hex'),
    tbs: whole(der, tbsT as Tlv),
    signature: sigBits.subarray(1),
    issuer: whole(der, issuer),
    subject: whole(der, subject),
    notBefore: parseTime(der, validity[0] as Tlv),
    notAfter: parseTime(der, validity[1] as Tlv),
    isCa: false,
    key,
  }
  if (extsT) readExtensions(der, extsT, cert)
  return cert
}

/** UTCTime (years 1950–2049, RFC 5280 §4.1.2.5.1) or GeneralizedTime in Zulu form → ms since the epoch. */
const parseTime = (der: Uint8Array, t: Tlv): number => timeOf(der, t) * 1000

function readExtensions(der: Uint8Array, extsT: Tlv, cert: NitroCert): void {
  const seq = readTlv(der, extsT.body, extsT.end)
  if (seq.tag !== 0x30 || seq.end !== extsT.end) throw new DerError('extensions must be one SEQUENCE')
  const seen = new Set<string>()
  for (const ext of children(der, seq)) {
    const parts = children(der, expectTag(ext, 0x30, 'Extension'))
    const oid = hex(content(der, expectTag(parts[0], 0x06, 'extension OID')))
    let critical = false
    let j = 1
    if (parts[j]?.tag === 0x01) critical = der[(parts[j++] as Tlv).body] === 0xff
    const value = expectTag(parts[j], 0x04, 'extension value')
    if (parts[j + 1]) throw new DerError('extension has extra fields')
    if (seen.has(oid)) throw new DerError(`extension ${oid} appears twice`)
    seen.add(oid)
    if (critical && !KNOWN_EXTENSIONS.has(oid)) throw new DerError(`unknown critical extension (OID bytes ${oid})`)
    if (oid === OID_BASIC_CONSTRAINTS) readBasicConstraints(der, value, cert)
    if (oid === OID_KEY_USAGE) {
      const bits = readTlv(der, value.body, value.end)
      if (bits.tag !== 0x03 || bits.end - bits.body < 2) throw new DerError('bad KeyUsage')
      const b0 = der[bits.body + 1] as number
      cert.keyUsage = { digitalSignature: (b0 & 0x80) !== 0, keyCertSign: (b0 & 0x04) !== 0 }
    }
  }
}

function readBasicConstraints(der: Uint8Array, value: Tlv, cert: NitroCert): void {
  const seq = readTlv(der, value.body, value.end)
  if (seq.tag !== 0x30) throw new DerError('bad BasicConstraints')
  const parts = children(der, seq)
  let k = 0
  if (parts[k]?.tag === 0x01) cert.isCa = der[(parts[k++] as Tlv).body] === 0xff
  const pl = parts[k]
  if (pl) {
    expectTag(pl, 0x02, 'pathLenConstraint')
    const n = content(der, pl)
    if (n.length === 0 || n.length > 2 || (n[0] as number) & 0x80) throw new DerError('bad pathLenConstraint')
    cert.pathLen = n.reduce((acc, x) => acc * 256 + x, 0)
  }
}

/** True when `issuer`'s key signed `cert` (ECDSA P-384 / SHA-384 over the TBS bytes). */
export function isSignedByKey(cert: NitroCert, issuer: NitroCert): boolean {
  try {
    return verify('sha384', cert.tbs, issuer.key, cert.signature)
  } catch {
    return false
  }
}
