import { decodeSgxExtension, parseQuote, TEE_TYPE_TDX } from '../../attestation/index.js'
import { getCertExtension, parseCertificate, toHex } from '../../crypto/index.js'
import { PccsError } from './errors.js'

/** Intel SGX PCK certificate extension (attestation.md §2 step 9). */
const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

export type PccsTee = 'sgx' | 'tdx'
export type PckCa = 'processor' | 'platform'

/** What names a quote's collateral at the PCS: TEE type, FMSPC (12 upper-case hex) and PCK issuing CA. */
export interface CollateralTarget {
  tee: PccsTee
  fmspc: string
  ca: PckCa
}

/**
 * Read tee/FMSPC/CA from a DCAP quote: FMSPC from the Intel SGX extension of the PCK leaf (certification data
 * type 5), CA from the leaf's issuer CN ("Intel SGX PCK Processor CA" / "… Platform CA"), as dcap-qvl does.
 * @throws PccsError PCCS_UNSUPPORTED_QUOTE
 */
export function collateralTargetOf(quote: Uint8Array): CollateralTarget {
  const fail = (why: string, cause?: unknown): never => {
    throw new PccsError('PCCS_UNSUPPORTED_QUOTE', `cannot name the collateral of this quote: ${why}`, {}, { cause })
  }
  let leafDer: Uint8Array | undefined
  let tee: PccsTee = 'sgx'
  try {
    const q = parseQuote(quote)
    tee = q.header.teeType === TEE_TYPE_TDX ? 'tdx' : 'sgx'
    leafDer = q.pckChainDer[0]
  } catch (e) {
    return fail('the quote does not parse', e)
  }
  if (!leafDer)
    return fail(
      'it carries no PCK certificate chain (certification data type 5); encrypted-PPID quotes are not supported',
    )
  let issuer = ''
  let fmspc: Uint8Array | undefined
  try {
    const leaf = parseCertificate(leafDer)
    issuer = leaf.issuer
    const ext = getCertExtension(leaf, SGX_EXTENSION_OID)
    if (ext) fmspc = decodeSgxExtension(ext).fmspc
  } catch (e) {
    return fail('its PCK leaf certificate does not parse', e)
  }
  if (!fmspc) return fail('its PCK leaf has no Intel SGX extension')
  const ca: PckCa = /Platform CA/i.test(issuer) ? 'platform' : 'processor'
  return { tee, fmspc: toHex(fmspc).toUpperCase(), ca }
}
