import { X509Certificate } from 'node:crypto'
import { decodeVersionedAttestation, parseQuote } from '../attestation/index.js'
import {
  bootstrapReportData,
  equalBytes,
  fromHex,
  isHex,
  k256PublicKey,
  p256PublicKey,
  p256SpkiDer,
  toHex,
} from '../crypto/index.js'
import { KmsError } from './errors.js'
import type { KmsMaterial } from './types.js'
import { isValidDomain } from './wire.js'

class Mismatch extends Error {}
const mismatch = (what: string) => new Mismatch(what)

/** A self-signed CA certificate whose public key is the key of `scalar`. */
function checkCaCert(pem: string, scalar: Uint8Array, name: string): Uint8Array {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pem)
  } catch {
    throw mismatch(`${name} certificate is not a PEM X.509 certificate`)
  }
  const certSpki = new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }))
  const keySpki = p256SpkiDer(p256PublicKey(scalar))
  if (!equalBytes(certSpki, keySpki)) throw mismatch(`${name} certificate public key is not the sealed ${name} key`)
  if (!cert.ca) throw mismatch(`${name} certificate is not a CA certificate`)
  if (!cert.checkIssued(cert) || !cert.verify(cert.publicKey))
    throw mismatch(`${name} certificate is not self-signed by the sealed ${name} key`)
  return keySpki
}

/**
 * Check everything a KMS serves as its own identity against its sealed keys (run on every load and before
 * every install): root and temp CA certificates carry the sealed keys and are self-signed by them, the domain
 * is a DNS name, and the bootstrap info names the same keys with an attestation whose report_data commits
 * to them (bootstrapReportData). Pure and synchronous; the evidence itself was verified when it was made.
 */
export function verifyKmsMaterial(m: KmsMaterial, where: 'stored' | 'new' = 'stored'): void {
  try {
    checkMaterial(m)
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e
    const hint =
      where === 'stored'
        ? 'The database was changed outside Custos: restore custos.db from a backup of this node or re-onboard it from a trusted KMS'
        : 'Nothing was stored'
    throw new KmsError(
      'KMS_MATERIAL_INVALID',
      `the ${where} KMS material is not consistent with its keys: ${e.message}. ${hint}`,
      { what: e.message },
    )
  }
}

function checkMaterial(m: KmsMaterial): void {
  const rootSpki = checkCaCert(m.rootCaCertPem, m.rootCaKey.expose(), 'root CA')
  checkCaCert(m.tmpCaCertPem, m.tmpCaKey.expose(), 'temp CA')
  if (!isValidDomain(m.domain)) throw mismatch('the domain is not a DNS name')
  const info = m.bootstrapInfo
  if (!info) return
  const k256 = k256PublicKey(m.rootK256Key.expose())
  if (info.ca_pubkey !== toHex(rootSpki)) throw mismatch('bootstrap_info.ca_pubkey is not the sealed root CA key')
  if (info.k256_pubkey !== toHex(k256)) throw mismatch('bootstrap_info.k256_pubkey is not the sealed root k256 key')
  if (!isHex(info.attestation)) throw mismatch('bootstrap_info.attestation is not hex')
  const expected = bootstrapReportData(rootSpki, k256)
  let att: ReturnType<typeof decodeVersionedAttestation>
  try {
    att = decodeVersionedAttestation(fromHex(info.attestation))
  } catch {
    throw mismatch('bootstrap_info.attestation does not decode')
  }
  let quoted: Uint8Array = att.reportData
  if (att.quote.type === 'tdx') {
    try {
      quoted = parseQuote(att.quote.quote).body.reportData
    } catch {
      throw mismatch('bootstrap_info.attestation carries a quote that does not parse')
    }
  }
  if (!equalBytes(att.reportData, expected) || !equalBytes(quoted, expected))
    throw mismatch('bootstrap_info.attestation does not commit to the sealed root keys')
}
