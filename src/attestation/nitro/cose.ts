import { concatBytes } from '../../crypto/index.js'
import { CborTag, type CborValue, cborHead, decodeCbor } from './cbor.js'
import { NitroError } from './errors.js'

/**
 * COSE_Sign1 (RFC 9052 §4.2) as the Nitro Secure Module emits it: `[protected bstr, unprotected map, payload bstr,
 * signature bstr]`, untagged or wrapped in tag 18. The protected header must be exactly `{1: -35}` (alg ES384) —
 * anything else (another algorithm, `crit`, extra parameters) is refused rather than half-understood.
 */

export const COSE_SIGN1_TAG = 18
export const COSE_ALG_ES384 = -35
/** ECDSA P-384 signature as raw r‖s */
export const ES384_SIGNATURE_BYTES = 96

export interface CoseSign1 {
  /** exact bytes of the protected-header bstr content (signed) */
  protected: Uint8Array
  unprotected: Map<number | string, CborValue>
  /** exact bytes of the payload bstr content (signed): the CBOR attestation document */
  payload: Uint8Array
  /** raw r‖s, 96 bytes */
  signature: Uint8Array
  tagged: boolean
}

const malformed = (message: string, field: string): never => {
  throw new NitroError('NITRO_MALFORMED', message, { field })
}

/** @throws NitroError NITRO_MALFORMED | NITRO_UNSUPPORTED */
export function parseCoseSign1(bytes: Uint8Array): CoseSign1 {
  let top = decodeCbor(bytes)
  let tagged = false
  if (top instanceof CborTag) {
    if (top.tag !== COSE_SIGN1_TAG)
      malformed(`COSE_Sign1 must be untagged or carry tag ${COSE_SIGN1_TAG}, got tag ${top.tag}`, 'cose')
    top = top.value
    tagged = true
  }
  if (!Array.isArray(top) || top.length !== 4)
    return malformed('a COSE_Sign1 attestation document is a CBOR array of 4 items', 'cose')
  const [prot, unprot, payload, signature] = top
  if (!(prot instanceof Uint8Array)) return malformed('COSE protected header must be a byte string', 'protected')
  if (!(unprot instanceof Map)) return malformed('COSE unprotected header must be a map', 'unprotected')
  if (!(payload instanceof Uint8Array))
    return malformed('COSE payload must be a byte string (detached payloads are not used by Nitro)', 'payload')
  if (!(signature instanceof Uint8Array)) return malformed('COSE signature must be a byte string', 'signature')
  checkProtectedHeader(prot)
  if (unprot.has(1)) malformed('alg must be in the protected header only', 'unprotected')
  if (signature.length !== ES384_SIGNATURE_BYTES)
    malformed(`ES384 signature must be ${ES384_SIGNATURE_BYTES} bytes (r‖s), got ${signature.length}`, 'signature')
  return { protected: prot, unprotected: unprot, payload, signature, tagged }
}

function checkProtectedHeader(prot: Uint8Array): void {
  const h = decodeCbor(prot)
  if (!(h instanceof Map))
    throw new NitroError('NITRO_MALFORMED', 'COSE protected header must encode a map', { field: 'protected' })
  const alg = h.get(1)
  if (alg !== COSE_ALG_ES384)
    throw new NitroError(
      'NITRO_UNSUPPORTED',
      `COSE algorithm must be ES384 (-35), got ${typeof alg === 'number' ? alg : 'none'}`,
      { field: 'protected' },
    )
  if (h.size !== 1)
    throw new NitroError('NITRO_UNSUPPORTED', 'COSE protected header must be exactly {1: -35} (ES384)', {
      field: 'protected',
    })
}

const SIGNATURE1 = new TextEncoder().encode('Signature1')

const bstr = (b: Uint8Array): Uint8Array => concatBytes(cborHead(2, b.length), b)

/** `Sig_structure = ["Signature1", protected, h'' (external_aad), payload]`, canonically encoded. */
export function coseSigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return concatBytes(
    cborHead(4, 4),
    cborHead(3, SIGNATURE1.length),
    SIGNATURE1,
    bstr(protectedHeader),
    bstr(new Uint8Array(0)),
    bstr(payload),
  )
}
