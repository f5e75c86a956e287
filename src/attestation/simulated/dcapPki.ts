/**
 * One builder for an Intel-shaped DCAP PKI and its collateral: root CA → PCK CA → PCK leaf (with the Intel SGX
 * extension), a TCB signing certificate, the root CA CRL and PCK CRL, and TCB Info / QE Identity JSON signed over
 * their exact bytes — a collateral object in the shape `parseCollateral` accepts. The simulated vendor issues its
 * PKI with it (dev-only trust), and the DCAP tests and bench build their synthetic world with it.
 *
 * node:crypto (OpenSSL) signs; @peculiar/x509 only encodes certificates and CRLs (through WebCrypto, which is
 * OpenSSL in Node too). Keys come from the caller: nothing here draws randomness beyond ECDSA nonces.
 */
import 'reflect-metadata'
import { createECDH, createPrivateKey, createPublicKey, KeyObject, sign as nodeSign, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import type { SecretBytes } from '../../crypto/index.js'
import type { Collateral } from '../dcap/collateral.js'
import { derToPem } from '../quote/pemChain.js'

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const
const SIG_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const
/** DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point (91 bytes total). */
const P256_SPKI_PREFIX_LEN = 26

/** A P-256 key as node:crypto signs with it, plus the encodings certificates and quotes carry. */
export interface DcapKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** SubjectPublicKeyInfo DER */
  spki: Uint8Array
  /** 64-byte x‖y (the form DCAP quotes carry) */
  rawXY: Uint8Array
  /** the same private key for WebCrypto (what @peculiar/x509 signs with); imported once */
  webKey(): Promise<webcrypto.CryptoKey>
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url')
const imported = new WeakMap<object, DcapKey>()

/**
 * The DcapKey of a 32-byte P-256 scalar (how the simulated TEE stores keys) or of a node:crypto private key.
 * Cached per key object. @throws RangeError for a scalar outside [1, n) or a key that is not P-256
 */
export function dcapKey(key: SecretBytes | KeyObject): DcapKey {
  const hit = imported.get(key)
  if (hit) return hit
  let privateKey: KeyObject
  if (key instanceof KeyObject) {
    privateKey = key
  } else {
    const d = key.expose()
    if (d.length !== 32) throw new RangeError(`a P-256 scalar is 32 bytes, got ${d.length}`)
    const ecdh = createECDH('prime256v1')
    try {
      ecdh.setPrivateKey(d)
    } catch (e) {
      throw new RangeError('not a valid P-256 scalar (need 1 <= d < n)', { cause: e })
    }
    const pub = ecdh.getPublicKey()
    privateKey = createPrivateKey({
      key: { kty: 'EC', crv: 'P-256', d: b64u(d), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)) },
      format: 'jwk',
    })
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new RangeError('expected a P-256 private key')
  const publicKey = createPublicKey(privateKey)
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
  let web: Promise<webcrypto.CryptoKey> | undefined
  const k: DcapKey = {
    privateKey,
    publicKey,
    spki,
    rawXY: spki.slice(P256_SPKI_PREFIX_LEN + 1),
    webKey: () => {
      web ??= webcrypto.subtle.importKey('jwk', privateKey.export({ format: 'jwk' }), ECDSA_P256, false, ['sign'])
      return web
    },
  }
  imported.set(key, k)
  return k
}

/** ECDSA-P256-SHA256 signature, raw r‖s (64 bytes), as DCAP quotes and collateral carry them. */
export function signP256Raw(key: DcapKey, data: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }))
}

export interface DcapCertificateInput {
  /** distinguished name text, e.g. "CN=Intel SGX PCK Platform CA, O=Intel Corporation" */
  subject: string
  /** the subject's key (its public half goes in the certificate) */
  key: DcapKey
  /** issuing CA certificate and key; omitted: self-signed */
  issuer?: { certDer: Uint8Array; key: DcapKey }
  /** hex, positive */
  serialNumber: string
  notBefore: Date
  notAfter: Date
  /** CA certificate (keyCertSign, cRLSign) or end entity (digitalSignature, nonRepudiation) */
  ca: boolean
  /** basicConstraints pathLenConstraint of a CA (Intel: root 1, PCK CA 0) */
  pathLength?: number
  /** further extensions, e.g. the Intel SGX extension of a PCK leaf */
  extensions?: { oid: string; critical?: boolean; value: Uint8Array }[]
}

/** Issue one X.509 certificate (DER), ECDSA-P256-SHA256, with basicConstraints, keyUsage, SKI and AKI. */
export async function issueDcapCertificate(c: DcapCertificateInput): Promise<Uint8Array> {
  const issuerCert = c.issuer ? new x509.X509Certificate(c.issuer.certDer) : undefined
  const signer = c.issuer?.key ?? c.key
  const usage = c.ca
    ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: c.serialNumber,
    subject: c.subject,
    // the issuer's Name as parsed from its certificate, so the bytes match what a verifier compares
    issuer: issuerCert ? issuerCert.subjectName : c.subject,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    publicKey: c.key.spki,
    signingKey: await signer.webKey(),
    signingAlgorithm: SIG_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(c.ca, c.ca ? c.pathLength : undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      await x509.SubjectKeyIdentifierExtension.create(c.key.spki),
      ...(c.issuer ? [await x509.AuthorityKeyIdentifierExtension.create(c.issuer.key.spki)] : []),
      ...(c.extensions ?? []).map((e) => new x509.Extension(e.oid, e.critical ?? false, e.value)),
    ],
  })
  return new Uint8Array(cert.rawData)
}

export interface DcapCrlInput {
  issuer: { certDer: Uint8Array; key: DcapKey }
  thisUpdate: Date
  nextUpdate: Date
  /** hex serial numbers listed as revoked */
  revokedSerials?: string[]
}

/** Issue a CRL (DER) signed by `issuer`. */
export async function issueDcapCrl(c: DcapCrlInput): Promise<Uint8Array> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.X509Certificate(c.issuer.certDer).subjectName,
    thisUpdate: c.thisUpdate,
    nextUpdate: c.nextUpdate,
    entries: (c.revokedSerials ?? []).map((serialNumber) => ({ serialNumber, revocationDate: c.thisUpdate })),
    signingAlgorithm: SIG_ALG,
    signingKey: await c.issuer.key.webKey(),
  })
  return new Uint8Array(crl.rawData)
}

export interface DcapCollateralInput {
  rootCertDer: Uint8Array
  /** the CA that issued the PCK CRL (and PCK leaves) */
  pckCaCertDer: Uint8Array
  tcbSigningCertDer: Uint8Array
  tcbSigningKey: DcapKey
  rootCrlDer: Uint8Array
  pckCrlDer: Uint8Array
  /** TCB Info JSON text (the inner `tcbInfo` object), signed as-is */
  tcbInfo: string
  /** QE Identity JSON text (the inner `enclaveIdentity` object), signed as-is */
  qeIdentity: string
}

/** Assemble (and sign the two documents of) a collateral object in the dcap-qvl / PCCS shape. */
export function dcapCollateral(c: DcapCollateralInput): Collateral {
  const pem = (...ders: Uint8Array[]) => ders.map(derToPem).join('')
  const sign = (json: string) => Buffer.from(signP256Raw(c.tcbSigningKey, Buffer.from(json, 'utf8'))).toString('hex')
  return {
    pck_crl_issuer_chain: pem(c.pckCaCertDer, c.rootCertDer),
    root_ca_crl: Buffer.from(c.rootCrlDer).toString('hex'),
    pck_crl: Buffer.from(c.pckCrlDer).toString('hex'),
    tcb_info_issuer_chain: pem(c.tcbSigningCertDer, c.rootCertDer),
    tcb_info: c.tcbInfo,
    tcb_info_signature: sign(c.tcbInfo),
    qe_identity_issuer_chain: pem(c.tcbSigningCertDer, c.rootCertDer),
    qe_identity: c.qeIdentity,
    qe_identity_signature: sign(c.qeIdentity),
  }
}
