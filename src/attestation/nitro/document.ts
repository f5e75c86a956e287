import { type CborValue, decodeCbor } from './cbor.js'
import { NitroError } from './errors.js'

/**
 * The NSM attestation document (the COSE payload), validated per the AWS spec
 * (`aws-nitro-enclaves-nsm-api:docs/attestation_process.md` §3.2 "syntactical validation"). Definite and
 * indefinite-length maps are both accepted; unknown keys are ignored; optional fields may be absent or null.
 */
export interface NitroDocument {
  moduleId: string
  /** always "SHA384" (the only digest this verifier accepts) */
  digest: string
  /** milliseconds since the Unix epoch */
  timestamp: number
  /** PCR index (0..31) → 32/48/64-byte value */
  pcrs: Map<number, Uint8Array>
  /** DER of the signing (leaf) certificate */
  certificate: Uint8Array
  /** DER certificates, index 0 = root … last = issuer of `certificate` */
  cabundle: Uint8Array[]
  publicKey?: Uint8Array
  userData?: Uint8Array
  nonce?: Uint8Array
}

const MAX_CERT_BYTES = 1024
const MAX_PUBLIC_KEY_BYTES = 1024
const MAX_USER_DATA_BYTES = 512
const MAX_NONCE_BYTES = 512
const PCR_LENGTHS = new Set([32, 48, 64])
const MAX_PCRS = 32

const bad = (field: string, message: string): never => {
  throw new NitroError('NITRO_MALFORMED', `attestation document field "${field}" ${message}`, { field })
}

function bytesField(v: CborValue, field: string, min: number, max: number): Uint8Array {
  if (!(v instanceof Uint8Array)) return bad(field, 'must be a byte string')
  if (v.length < min || v.length > max) return bad(field, `must be ${min}..${max} bytes, got ${v.length}`)
  return v.slice()
}

function optionalBytes(v: CborValue, field: string, min: number, max: number): Uint8Array | undefined {
  return v === undefined || v === null ? undefined : bytesField(v, field, min, max)
}

function required(m: Map<number | string, CborValue>, field: string): CborValue {
  const v = m.get(field)
  if (v === undefined || v === null) bad(field, 'is missing')
  return v
}

function parsePcrs(v: CborValue): Map<number, Uint8Array> {
  if (!(v instanceof Map)) return bad('pcrs', 'must be a map')
  if (v.size < 1 || v.size > MAX_PCRS) bad('pcrs', `must hold 1..${MAX_PCRS} entries, got ${v.size}`)
  const out = new Map<number, Uint8Array>()
  for (const [k, value] of v) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= MAX_PCRS)
      bad('pcrs', `has key ${JSON.stringify(k)}; PCR indexes are integers 0..${MAX_PCRS - 1}`)
    const idx = k as number
    if (!(value instanceof Uint8Array) || !PCR_LENGTHS.has(value.length))
      bad(`pcrs[${idx}]`, 'must be a 32, 48 or 64-byte string')
    out.set(idx, (value as Uint8Array).slice())
  }
  return out
}

/** Decode and validate the payload. @throws NitroError NITRO_MALFORMED (meta.field names the field) */
export function parseNitroDocument(payload: Uint8Array): NitroDocument {
  const m = decodeCbor(payload)
  if (!(m instanceof Map)) return bad('payload', 'must be a CBOR map')
  const moduleId = required(m, 'module_id')
  if (typeof moduleId !== 'string' || moduleId.length === 0) bad('module_id', 'must be non-empty text')
  const digest = required(m, 'digest')
  if (digest !== 'SHA384') bad('digest', `must be "SHA384", got ${JSON.stringify(digest)}`)
  const timestamp = required(m, 'timestamp')
  if (typeof timestamp !== 'number' || !Number.isInteger(timestamp) || timestamp <= 0)
    bad('timestamp', 'must be a positive integer (ms since the epoch)')
  const pcrs = parsePcrs(required(m, 'pcrs'))
  const certificate = bytesField(required(m, 'certificate'), 'certificate', 1, MAX_CERT_BYTES)
  const bundle = required(m, 'cabundle')
  if (!Array.isArray(bundle) || bundle.length === 0) return bad('cabundle', 'must be a non-empty array')
  const cabundle = bundle.map((c, i) => bytesField(c, `cabundle[${i}]`, 1, MAX_CERT_BYTES))
  const doc: NitroDocument = {
    moduleId: moduleId as string,
    digest: 'SHA384',
    timestamp: timestamp as number,
    pcrs,
    certificate,
    cabundle,
  }
  const publicKey = optionalBytes(m.get('public_key'), 'public_key', 1, MAX_PUBLIC_KEY_BYTES)
  const userData = optionalBytes(m.get('user_data'), 'user_data', 0, MAX_USER_DATA_BYTES)
  const nonce = optionalBytes(m.get('nonce'), 'nonce', 0, MAX_NONCE_BYTES)
  if (publicKey) doc.publicKey = publicKey
  if (userData) doc.userData = userData
  if (nonce) doc.nonce = nonce
  return doc
}
