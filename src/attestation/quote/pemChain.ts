import { PemError, pemBlocks, derToPem as pemOf } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'

/**
 * Split a concatenated PEM chain (certification data type 5) into certificates, keeping order.
 * Non-PEM bytes between/after blocks (real quotes end in a NUL) are ignored.
 */
export function splitPemChain(data: Uint8Array, offset = 0): { pem: string[]; der: Uint8Array[] } {
  const text = new TextDecoder('latin1').decode(data)
  let blocks: ReturnType<typeof pemBlocks>
  try {
    blocks = pemBlocks(text, 'CERTIFICATE')
  } catch (e) {
    if (!(e instanceof PemError)) throw e
    const n = pemBlocks(text.slice(0, e.index), 'CERTIFICATE').length
    throw new AttestationError('ATTESTATION_MALFORMED', `PCK certificate chain: certificate ${n} is not valid base64`, {
      offset: offset + e.index,
      field: 'pck cert chain',
    })
  }
  return { pem: blocks.map((b) => b.text), der: blocks.map((b) => b.der) }
}

/** One DER certificate as PEM (64-column base64), to concatenate into a chain. */
export const derToPem = (der: Uint8Array): string => pemOf(der, 'CERTIFICATE')
