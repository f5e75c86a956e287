import { AttestationError } from '../errors.js'

const PEM_RE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g

/**
 * Split a concatenated PEM chain (certification data type 5) into certificates, keeping order.
 * Non-PEM bytes between/after blocks (real quotes end in a NUL) are ignored.
 */
export function splitPemChain(data: Uint8Array, offset = 0): { pem: string[]; der: Uint8Array[] } {
  const text = new TextDecoder('latin1').decode(data)
  const pem: string[] = []
  const der: Uint8Array[] = []
  for (const m of text.matchAll(PEM_RE)) {
    const b64 = (m[1] ?? '').replace(/\s+/g, '')
    const bin = Buffer.from(b64, 'base64')
    if (bin.length === 0 || bin.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) {
      throw new AttestationError(
        'ATTESTATION_MALFORMED',
        `PCK certificate chain: certificate ${pem.length} is not valid base64`,
        {
          offset: offset + (m.index ?? 0),
          field: 'pck cert chain',
        },
      )
    }
    pem.push(m[0])
    der.push(new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength))
  }
  return { pem, der }
}

/** Encode DER certificates as one concatenated PEM string (64-column base64). */
export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}
