import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { equalBytes } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'
import { findExtension, verifyCertSignature } from './certDer.js'
import { SGX_EXTENSION_OID, SIMULATED_TCB_OID } from './constants.js'
import { oid } from './der.js'
import { decodeSgxExtension, type SgxExtension } from './sgxExtension.js'
import { decodeTcbExtension, type SimulatedTcb } from './tcbExtension.js'

/** DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point (91 bytes total). */
const P256_SPKI_PREFIX = Uint8Array.from(Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'))

/** 65-byte SEC1 point of a certificate's P-256 key. */
export function p256PointOfCert(cert: x509.X509Certificate): Uint8Array {
  const spki = new Uint8Array(cert.publicKey.rawData)
  if (spki.length !== 91 || !equalBytes(spki.subarray(0, 26), P256_SPKI_PREFIX))
    throw new AttestationError('ATTESTATION_MALFORMED', 'simulated certificate key is not an uncompressed P-256 key')
  return spki.subarray(26)
}

export function parseCertDer(der: Uint8Array, which: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der)
  } catch (e) {
    throw new AttestationError('ATTESTATION_MALFORMED', `${which} certificate does not parse`, {}, { cause: e })
  }
}

/** True when `certDer`'s signature verifies with the key of `issuerDer` (ECDSA P-256, exact TBS bytes). */
export function isIssuedBy(certDer: Uint8Array, issuerDer: Uint8Array): boolean {
  return verifyCertSignature(certDer, p256PointOfCert(parseCertDer(issuerDer, 'issuer')))
}

function extensionValue(certDer: Uint8Array, dotted: string, name: string): Uint8Array {
  const value = findExtension(certDer, oid(dotted))
  if (!value)
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      `simulated PCK certificate lacks the ${name} extension (${dotted})`,
    )
  return value
}

/** The SGX extension (PPID, FMSPC, …) and simulated TCB verdict of a simulated PCK certificate. */
export function readSimulatedPck(pckDer: Uint8Array): { sgx: SgxExtension; tcb: SimulatedTcb } {
  return {
    sgx: decodeSgxExtension(extensionValue(pckDer, SGX_EXTENSION_OID, 'Intel SGX')),
    tcb: decodeTcbExtension(extensionValue(pckDer, SIMULATED_TCB_OID, 'simulated TCB')),
  }
}
