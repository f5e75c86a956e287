// zod's v4 engine (shipped in the zod 3.25 package): this schema runs on every signature, and v4 parses an
// ATTESTATION body ~5× faster than v3 with a fraction of the garbage (measured: ~30 µs → ~6 µs).
import { z } from 'zod/v4'
import { SignerError } from '../errors.js'

/**
 * Web3Signer eth2 sign request bodies (`POST /api/v1/eth2/sign/{pubkey}`), Consensys/web3signer
 * openapi-specs/eth2/signing/schemas.yaml: snake_case, uint64 as decimal strings, bytes as 0x-hex. Plus Lodestar's
 * BLS_TO_EXECUTION_CHANGE, which Web3Signer does not define.
 * Full beacon blocks and aggregates are only checked for being objects here; their fields are checked
 * against the fork's SSZ type when the root is computed (`parseSszJson`), which reports the same error code.
 */
const uint64 = z
  .string()
  .regex(/^(0|[1-9]\d{0,19})$/, 'expected an unsigned integer as a decimal string')
  .refine((s) => BigInt(s) < 2n ** 64n, 'does not fit in uint64')
  .transform((s) => BigInt(s))

const hexBytes = (n: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${2 * n}}$`), `expected 0x-prefixed hex of ${n} bytes`)

const sszObject = z.record(z.string(), z.unknown())

export const forkInfoSchema = z.object({
  fork: z.object({ previous_version: hexBytes(4), current_version: hexBytes(4), epoch: uint64 }),
  genesis_validators_root: hexBytes(32),
})

const checkpoint = z.object({ epoch: uint64, root: hexBytes(32) })

export const attestationDataSchema = z.object({
  slot: uint64,
  index: uint64,
  beacon_block_root: hexBytes(32),
  source: checkpoint,
  target: checkpoint,
})

export const beaconBlockHeaderSchema = z.object({
  slot: uint64,
  proposer_index: uint64,
  parent_root: hexBytes(32),
  state_root: hexBytes(32),
  body_root: hexBytes(32),
})

/** Fork names as Web3Signer writes them (PHASE0 … FULU); matched case-insensitively, unknown → UNSUPPORTED_FORK. */
const version = z.string().min(1)

const common = {
  fork_info: forkInfoSchema,
  signingRoot: hexBytes(32).optional(),
  signing_root: hexBytes(32).optional(),
}
const noForkInfo = {
  fork_info: forkInfoSchema.optional(),
  signingRoot: hexBytes(32).optional(),
  signing_root: hexBytes(32).optional(),
}

export const signRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('BLOCK'), ...common, block: sszObject }),
  z.object({
    type: z.literal('BLOCK_V2'),
    ...common,
    beacon_block: z
      .object({ version, block: sszObject.optional(), block_header: beaconBlockHeaderSchema.optional() })
      .refine((b) => (b.block === undefined) !== (b.block_header === undefined), {
        message: 'beacon_block needs exactly one of block or block_header',
      }),
  }),
  z.object({ type: z.literal('ATTESTATION'), ...common, attestation: attestationDataSchema }),
  z.object({ type: z.literal('AGGREGATION_SLOT'), ...common, aggregation_slot: z.object({ slot: uint64 }) }),
  z.object({ type: z.literal('AGGREGATE_AND_PROOF'), ...common, aggregate_and_proof: sszObject }),
  z.object({
    type: z.literal('AGGREGATE_AND_PROOF_V2'),
    ...common,
    aggregate_and_proof: z.object({ version, data: sszObject }),
  }),
  z.object({
    type: z.literal('DEPOSIT'),
    ...noForkInfo,
    deposit: z.object({
      pubkey: hexBytes(48),
      withdrawal_credentials: hexBytes(32),
      amount: uint64,
      genesis_fork_version: hexBytes(4),
    }),
  }),
  z.object({ type: z.literal('RANDAO_REVEAL'), ...common, randao_reveal: z.object({ epoch: uint64 }) }),
  z.object({
    type: z.literal('VOLUNTARY_EXIT'),
    ...common,
    voluntary_exit: z.object({ epoch: uint64, validator_index: uint64 }),
  }),
  z.object({
    type: z.literal('SYNC_COMMITTEE_MESSAGE'),
    ...common,
    sync_committee_message: z.object({ beacon_block_root: hexBytes(32), slot: uint64 }),
  }),
  z.object({
    type: z.literal('SYNC_COMMITTEE_SELECTION_PROOF'),
    ...common,
    sync_aggregator_selection_data: z.object({ slot: uint64, subcommittee_index: uint64 }),
  }),
  z.object({ type: z.literal('SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF'), ...common, contribution_and_proof: sszObject }),
  // Not in Web3Signer's spec: Lodestar's external signer client sends it (externalSignerClient.ts), with the
  // payload under the upper-case key BLS_TO_EXECUTION_CHANGE and the usual fork_info.
  z.object({
    type: z.literal('BLS_TO_EXECUTION_CHANGE'),
    ...common,
    BLS_TO_EXECUTION_CHANGE: z.object({
      validator_index: uint64,
      from_bls_pubkey: hexBytes(48),
      to_execution_address: hexBytes(20),
    }),
  }),
  z.object({
    type: z.literal('VALIDATOR_REGISTRATION'),
    ...noForkInfo,
    validator_registration: z.object({
      fee_recipient: hexBytes(20),
      gas_limit: uint64,
      timestamp: uint64,
      pubkey: hexBytes(48),
    }),
  }),
])

export type SignRequest = z.infer<typeof signRequestSchema>
export type SignType = SignRequest['type']
export const SIGN_TYPES: readonly SignType[] = signRequestSchema.options.map((o) => o.shape.type.value)

/** Parse a sign request body; any mismatch → SIGNER_BAD_PAYLOAD (400) with the field path in meta. */
export function parseSignRequest(body: unknown): SignRequest {
  const type = (body as { type?: unknown } | null)?.type
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SignerError('SIGNER_BAD_PAYLOAD', 'body: expected a JSON object', { path: '' })
  }
  if (typeof type !== 'string' || !(SIGN_TYPES as readonly string[]).includes(type)) {
    throw new SignerError('SIGNER_BAD_PAYLOAD', `type: expected one of ${SIGN_TYPES.join(', ')}`, { path: 'type' })
  }
  const parsed = signRequestSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue ? issue.path.join('.') : ''
    throw new SignerError('SIGNER_BAD_PAYLOAD', `${path || 'body'}: ${issue?.message ?? 'invalid sign request'}`, {
      path,
    })
  }
  return parsed.data
}
