import { CustosError } from '../../errors.js'
import { decodeVersionedAttestation } from '../dstack/index.js'
import type { Attestation } from '../types.js'
import { NitroError } from './errors.js'

export interface NitroEvidence {
  /** the bare COSE_Sign1 document */
  document: Uint8Array
  /** the dstack envelope, when the input was one */
  attestation?: Attestation
}

/**
 * Accept a bare COSE_Sign1 document (first byte 0x84, or 0xd2 for tag 18) or dstack's V0 `VersionedAttestation`
 * envelope `00 02 <compact len> <COSE doc> <runtime events> <64 B report_data> <config>` (dstack-kms.md §6.3). The
 * envelope is decoded with the SCALE codec, which cuts the document out by its length; a plain CBOR decode of
 * the remainder would trip over the trailing SCALE fields.
 * @throws NitroError NITRO_MALFORMED | NITRO_UNSUPPORTED
 */
export function splitNitroEvidence(bytes: Uint8Array): NitroEvidence {
  if (bytes.length === 0) throw new NitroError('NITRO_MALFORMED', 'Nitro evidence is empty', { field: 'cose' })
  if (bytes[0] !== 0x00) return { document: bytes }
  let attestation: Attestation
  try {
    attestation = decodeVersionedAttestation(bytes)
  } catch (e) {
    if (!(e instanceof CustosError)) throw e
    throw new NitroError(
      'NITRO_MALFORMED',
      `dstack attestation envelope: ${e.shortMessage}`,
      { field: 'envelope' },
      {
        cause: e,
      },
    )
  }
  if (attestation.quote.type !== 'nitro')
    throw new NitroError(
      'NITRO_UNSUPPORTED',
      'the dstack attestation envelope carries a TDX quote, not a Nitro document',
      {
        field: 'envelope',
      },
    )
  return { document: attestation.quote.nsmQuote, attestation }
}
