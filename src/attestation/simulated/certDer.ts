import { p256 } from '@noble/curves/nist.js'
import type { SecretBytes } from '../../crypto/index.js'
import { concatBytes, equalBytes } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'
import { readTlvs, seq, TAG, tlv } from './der.js'

/**
 * Raw X.509 handling where @peculiar/x509 (asn1js) falls short: it cannot encode OID arcs above 2^53, such as
 * the 128-bit arc of SIMULATED_TCB_OID, and it re-serialises parsed certificates. So the simulated PCK is
 * generated with a same-length placeholder OID, patched, and re-signed here; signatures are checked over the
 * exact tbsCertificate bytes.
 */

export interface CertParts {
  tbs: Uint8Array
  sigAlg: Uint8Array
  /** DER ECDSA-Sig-Value */
  signature: Uint8Array
}

export function certParts(der: Uint8Array): CertParts {
  const bad = (): never => {
    throw new AttestationError('ATTESTATION_MALFORMED', 'certificate is not a DER X.509 Certificate SEQUENCE')
  }
  const top = readTlvs(der, 'certificate')
  if (top.length !== 1 || top[0]?.tag !== TAG.SEQUENCE) return bad()
  const [tbs, alg, sig] = readTlvs(top[0].body, 'certificate')
  if (!tbs || !alg || !sig || sig.tag !== 0x03 || sig.body[0] !== 0) return bad()
  return { tbs: tbs.raw, sigAlg: alg.raw, signature: sig.body.subarray(1) }
}

/** ECDSA-P256-SHA256 certificate signature check over the exact tbsCertificate bytes. */
export function verifyCertSignature(der: Uint8Array, issuerPub65: Uint8Array): boolean {
  try {
    const { tbs, signature } = certParts(der)
    return p256.verify(p256.Signature.fromBytes(signature, 'der').toBytes('compact'), tbs, issuerPub65, {
      prehash: true,
      lowS: false,
    })
  } catch {
    return false
  }
}

/** Replace `from` by `to` (same length, exactly one occurrence) inside tbsCertificate and re-sign it. */
export function patchAndResign(der: Uint8Array, from: Uint8Array, to: Uint8Array, issuerKey: SecretBytes): Uint8Array {
  if (from.length !== to.length) throw new RangeError('patch must keep the length')
  const { tbs, sigAlg } = certParts(der)
  const hits: number[] = []
  for (let i = 0; i + from.length <= tbs.length; i++)
    if (equalBytes(tbs.subarray(i, i + from.length), from)) hits.push(i)
  if (hits.length !== 1) throw new Error(`placeholder found ${hits.length} times in tbsCertificate`)
  const patched = tbs.slice()
  patched.set(to, hits[0])
  const sig = p256.sign(patched, issuerKey.expose(), { prehash: true, lowS: false, format: 'der' })
  return seq(patched, sigAlg, tlv(0x03, concatBytes(Uint8Array.of(0), sig)))
}

/** Find a certificate extension's extnValue contents by OID bytes (works for OIDs asn1js mangles). */
export function findExtension(der: Uint8Array, oidTlv: Uint8Array): Uint8Array | undefined {
  const { tbs } = certParts(der)
  const [tbsSeq] = readTlvs(tbs, 'tbsCertificate')
  for (const field of readTlvs(tbsSeq?.body ?? new Uint8Array(0), 'tbsCertificate')) {
    if (field.tag !== 0xa3) continue
    const [exts] = readTlvs(field.body, 'extensions')
    for (const ext of readTlvs(exts?.body ?? new Uint8Array(0), 'extensions')) {
      const parts = readTlvs(ext.body, 'extension')
      if (!parts[0] || !equalBytes(parts[0].raw, oidTlv)) continue
      const value = parts[parts.length - 1]
      if (!value || value.tag !== TAG.OCTET_STRING) return undefined
      return value.body
    }
  }
  return undefined
}
