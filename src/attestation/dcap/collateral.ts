import { z } from 'zod'
import { pemBlocksToDer } from '../../crypto/index.js'
import { DcapError } from './errors.js'

const bytesLike = z.union([z.string(), z.array(z.number().int().min(0).max(255)), z.instanceof(Uint8Array)])

/**
 * Quote collateral in the dcap-qvl / PCCS shape (attestation.md §3.1, vectors README). `tcb_info` and
 * `qe_identity` are the exact signed JSON strings; they are never re-serialised.
 */
export const collateralSchema = z.object({
  pck_crl_issuer_chain: z.string(),
  /** DER, as hex text or bytes */
  root_ca_crl: bytesLike,
  /** DER, as hex text or bytes */
  pck_crl: bytesLike,
  tcb_info_issuer_chain: z.string(),
  tcb_info: z.string(),
  /** 64-byte raw r‖s, hex or bytes */
  tcb_info_signature: bytesLike,
  qe_identity_issuer_chain: z.string(),
  qe_identity: z.string(),
  qe_identity_signature: bytesLike,
  /** optional PCK chain (leaf first) for quotes whose certification data is not type 5 */
  pck_certificate_chain: z.string().optional(),
})
export type Collateral = z.infer<typeof collateralSchema>

/** Validate collateral JSON (already `JSON.parse`d). @throws DcapError DCAP_COLLATERAL_MALFORMED */
export function parseCollateral(input: unknown): Collateral {
  const r = collateralSchema.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new DcapError(
      'DCAP_COLLATERAL_MALFORMED',
      `collateral is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; pass the PCCS collateral object (dcap-qvl shape)`,
      { what: issue?.path.join('.') ?? '' },
    )
  }
  return r.data
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/

/** Hex text or bytes → bytes. @throws DcapError DCAP_COLLATERAL_MALFORMED naming `what` */
export function collateralBytes(v: string | number[] | Uint8Array, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (Array.isArray(v)) return Uint8Array.from(v)
  const s = v.trim()
  if (!HEX_RE.test(s)) throw new DcapError('DCAP_COLLATERAL_MALFORMED', `collateral ${what} is not hex`, { what })
  return new Uint8Array(Buffer.from(s, 'hex'))
}

/** Split a concatenated PEM chain into DER certificates, in order. @throws DcapError DCAP_COLLATERAL_MALFORMED */
export function pemChainToDer(pem: string, what: string): Uint8Array[] {
  let out: Uint8Array[]
  try {
    out = pemBlocksToDer(pem, 'CERTIFICATE')
  } catch (e) {
    throw new DcapError('DCAP_COLLATERAL_MALFORMED', `${what}: ${(e as Error).message}`, { what })
  }
  if (out.length === 0) throw new DcapError('DCAP_COLLATERAL_MALFORMED', `${what} holds no PEM certificate`, { what })
  return out
}
