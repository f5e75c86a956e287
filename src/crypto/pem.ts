/**
 * PEM (RFC 7468): the one reader and writer of PEM armour in Custos. Writes 64-column base64 lines with LF and a
 * trailing newline (what OpenSSL and rcgen `serialize_pem()` write); reads every `-----BEGIN <label>-----` …
 * `-----END <label>-----` block, tolerating text between blocks (a quote's PCK chain ends in a NUL), and refuses a
 * body that is not canonical base64 (non-empty, padded, nothing but the base64 alphabet and white space).
 */

/** A PEM block whose body is not canonical base64. `index` is where its BEGIN line starts in the input. */
export class PemError extends TypeError {
  override name = 'PemError'
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message)
  }
}

export interface PemBlock {
  /** the label between `BEGIN ` and `-----`, e.g. `CERTIFICATE`, `PRIVATE KEY`, `X509 CRL` */
  label: string
  der: Uint8Array
  /** the block's own text, from its BEGIN line to the end of its END line */
  text: string
  /** offset of the block's BEGIN line in the input */
  index: number
}

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

/** Base64 → bytes, refusing anything Buffer would silently skip or truncate. */
function strictBase64(body: string): Uint8Array | undefined {
  const b64 = body.replace(/\s+/g, '')
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined
  const bin = Buffer.from(b64, 'base64')
  if (bin.toString('base64') !== b64) return undefined // non-zero pad bits
  return new Uint8Array(bin)
}

/** PEM armour with 64-column base64 lines and a trailing newline. */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/**
 * Every PEM block of `text` in order (only those labelled `label` when given). Throws PemError for a block whose
 * body is not canonical base64.
 */
export function pemBlocks(text: string, label?: string): PemBlock[] {
  const out: PemBlock[] = []
  for (const m of text.matchAll(BLOCK_RE)) {
    const name = m[1] as string
    if (label !== undefined && name !== label) continue
    const index = m.index ?? 0
    const der = strictBase64(m[2] ?? '')
    if (!der) throw new PemError(`the body of PEM block ${out.length} ("${name}") is not base64`, index)
    out.push({ label: name, der, text: m[0], index })
  }
  return out
}

/** The DER of every PEM block with `label` (any label when omitted), in order. */
export function pemBlocksToDer(pem: string, label?: string): Uint8Array[] {
  return pemBlocks(pem, label).map((b) => b.der)
}

/**
 * The DER of the first PEM block with `label` (any label when omitted). Throws PemError (a TypeError) when none
 * is found or its body is not base64. Use `pemBlocksToDer` for chains.
 */
export function pemToDer(pem: string, label?: string): Uint8Array {
  const first = pemBlocks(pem, label)[0]
  if (!first) throw new PemError(`no PEM block${label ? ` labelled "${label}"` : ''} found`, -1)
  return first.der
}
