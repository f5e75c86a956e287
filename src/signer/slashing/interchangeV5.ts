import { z } from 'zod'
import { toHex } from '../../crypto/index.js'
import { SlashingError } from './errors.js'
import type { Interchange } from './types.js'

/**
 * EIP-3076 interchange format v5, wire form: snake_case, integers as decimal strings (a JS number cannot hold a
 * u64), bytes as 0x-prefixed hex. Unknown properties are ignored, as the EIP's JSON schema allows them.
 */
const U64_RE = /^(0|[1-9][0-9]{0,19})$/
const U64 = z
  .string()
  .regex(U64_RE, 'expected a decimal u64 string')
  .refine((s) => s.length < 20 || BigInt(s) < 1n << 64n, 'exceeds u64')
// Strings are only checked here; conversion to bytes/bigint happens once, after validation (much faster for large files).
const hexBytes = (n: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${2 * n}}$`), `expected 0x-prefixed hex of ${n} bytes`)

const SignedBlockV5 = z.object({ slot: U64, signing_root: hexBytes(32).optional() })
const SignedAttestationV5 = z.object({
  source_epoch: U64,
  target_epoch: U64,
  signing_root: hexBytes(32).optional(),
})
const InterchangeV5Schema = z.object({
  metadata: z.object({
    interchange_format_version: z.literal('5'),
    genesis_validators_root: hexBytes(32),
  }),
  data: z.array(
    z.object({
      pubkey: hexBytes(48),
      signed_blocks: z.array(SignedBlockV5),
      signed_attestations: z.array(SignedAttestationV5),
    }),
  ),
})

/** The JSON document, as written by `serializeInterchangeV5` (and as found in files). */
export interface InterchangeV5Json {
  metadata: { interchange_format_version: '5'; genesis_validators_root: string }
  data: Array<{
    pubkey: string
    signed_blocks: Array<{ slot: string; signing_root?: string }>
    signed_attestations: Array<{ source_epoch: string; target_epoch: string; signing_root?: string }>
  }>
}

/**
 * Validate a v5 document (object or JSON text) and convert it to the internal form. Throws
 * SIGNER_INTERCHANGE_INVALID with the first failing field path and issue code; never echoes the received value.
 */
export function parseInterchangeV5(input: unknown): Interchange {
  let json = input
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input)
    } catch (cause) {
      throw new SlashingError('SIGNER_INTERCHANGE_INVALID', 'interchange is not valid JSON', {}, { cause })
    }
  }
  const r = InterchangeV5Schema.safeParse(json)
  if (!r.success) {
    const first = r.error.issues[0]
    const path = first ? first.path.join('.') || '(root)' : '(root)'
    throw new SlashingError(
      'SIGNER_INTERCHANGE_INVALID',
      `interchange is not a valid EIP-3076 v5 document: ${path}: ${first?.message ?? 'invalid'}; nothing was imported`,
      { path, issue: first?.code ?? 'custom', issues: r.error.issues.length },
    )
  }
  const bytes = (h: string) => new Uint8Array(Buffer.from(h.slice(2), 'hex'))
  const root = (h: string | undefined) => (h === undefined ? null : bytes(h))
  return {
    genesisValidatorsRoot: bytes(r.data.metadata.genesis_validators_root),
    data: r.data.data.map((v) => ({
      pubkey: bytes(v.pubkey),
      signedBlocks: v.signed_blocks.map((b) => ({ slot: BigInt(b.slot), signingRoot: root(b.signing_root) })),
      signedAttestations: v.signed_attestations.map((a) => ({
        sourceEpoch: BigInt(a.source_epoch),
        targetEpoch: BigInt(a.target_epoch),
        signingRoot: root(a.signing_root),
      })),
    })),
  }
}

/** Internal form → v5 JSON document. A null signing root is omitted (the field is optional). */
export function serializeInterchangeV5(interchange: Interchange): InterchangeV5Json {
  const hex = (b: Uint8Array) => `0x${toHex(b)}`
  return {
    metadata: { interchange_format_version: '5', genesis_validators_root: hex(interchange.genesisValidatorsRoot) },
    data: interchange.data.map((v) => ({
      pubkey: hex(v.pubkey),
      signed_blocks: v.signedBlocks.map((b) => ({
        slot: b.slot.toString(),
        ...(b.signingRoot ? { signing_root: hex(b.signingRoot) } : {}),
      })),
      signed_attestations: v.signedAttestations.map((a) => ({
        source_epoch: a.sourceEpoch.toString(),
        target_epoch: a.targetEpoch.toString(),
        ...(a.signingRoot ? { signing_root: hex(a.signingRoot) } : {}),
      })),
    })),
  }
}
