/**
 * The static committee file (a single operator's committee): one epoch, its threshold, members and key domains.
 *
 *   {"epoch": 1, "threshold": 3,
 *    "participants": [{"id": 0, "node_key": "<hex Ed25519 32 bytes>", "url": "https://127.0.0.1:7101"}, …],
 *    "domains": [{"id": 0, "scheme": "Ed25519", "purpose": "Sign", "public_key": "<hex, once the key exists>"}, …]}
 *
 * A later epoch (epoch + 1, members or threshold changed, or the same for a refresh) is a resharing: members
 * that hold shares of the earlier epoch deal them to the new set; the keys stay. Set `public_key` on every
 * domain that has a key (`custos mpc public-key`), so a joining node never starts a fresh DKG for it.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { fromHex } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import type { ParticipantId, SchemeId } from '../types.js'

export interface CommitteeMember {
  id: ParticipantId
  /** Ed25519 node key, 32 bytes */
  nodeKey: Uint8Array
  /** the member's peer (p2p) URL, https://host:port */
  url: string
}

export interface CommitteeDomain {
  id: number
  scheme: SchemeId
  purpose: 'Sign'
  /**
   * The domain's group public key (FROST encoding) when it already exists (voted on chain, or copied into the
   * file by the operator after the first epoch). A domain with a key is never given a fresh DKG: a new epoch
   * reshares it, and a joiner checks the old key package it is sent against this key.
   */
  publicKey?: Uint8Array
}

export interface Committee {
  epoch: bigint
  threshold: number
  participants: CommitteeMember[]
  domains: CommitteeDomain[]
}

const FileSchema = z
  .object({
    epoch: z.number().int().min(0),
    threshold: z.number().int().min(2),
    participants: z
      .array(
        z
          .object({
            id: z.number().int().min(0).max(0xfffffffe),
            node_key: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'expected 64 hex characters (Ed25519 node key)'),
            url: z.string().regex(/^https:\/\/[^/]+:\d+\/?$/, 'expected https://host:port'),
          })
          .strict(),
      )
      .min(2),
    domains: z.array(
      z
        .object({
          id: z.number().int().min(0).max(0xffff_ffff),
          scheme: z.enum(['Ed25519', 'Secp256k1Frost', 'Bip340']),
          purpose: z.literal('Sign').default('Sign'),
          public_key: z
            .string()
            .regex(/^(0x)?([0-9a-fA-F]{64}|[0-9a-fA-F]{66})$/, 'expected the hex group public key (32 or 33 bytes)')
            .optional(),
        })
        .strict(),
    ),
  })
  .strict()

/** Parse and check a committee (JSON text or value): unique ids, t ≤ n, unique domain ids. */
export function parseCommittee(input: unknown): Committee {
  let value = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch {
      throw new MpcError('MPC_BAD_INPUT', 'the committee file is not valid JSON', { field: 'committee' })
    }
  }
  const r = FileSchema.safeParse(value)
  if (!r.success)
    throw new MpcError(
      'MPC_BAD_INPUT',
      `the committee file is invalid: ${r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
      { field: 'committee' },
    )
  const f = r.data
  const ids = new Set(f.participants.map((p) => p.id))
  if (ids.size !== f.participants.length)
    throw new MpcError('MPC_BAD_INPUT', 'the committee file lists a participant id twice', { field: 'committee' })
  if (f.threshold > f.participants.length)
    throw new MpcError('MPC_BAD_INPUT', 'the committee threshold exceeds the number of participants', {
      field: 'committee',
    })
  if (new Set(f.domains.map((d) => d.id)).size !== f.domains.length)
    throw new MpcError('MPC_BAD_INPUT', 'the committee file lists a domain id twice', { field: 'committee' })
  return {
    epoch: BigInt(f.epoch),
    threshold: f.threshold,
    participants: f.participants
      .map((p) => ({ id: p.id, nodeKey: fromHex(p.node_key.replace(/^0x/, '')), url: p.url.replace(/\/$/, '') }))
      .sort((a, b) => a.id - b.id),
    domains: f.domains
      .map((d) => ({
        id: d.id,
        scheme: d.scheme,
        purpose: 'Sign' as const,
        ...(d.public_key ? { publicKey: fromHex(d.public_key.replace(/^0x/, '')) } : {}),
      }))
      .sort((a, b) => a.id - b.id),
  }
}

export function readCommitteeFile(path: string): Committee {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new MpcError('MPC_BAD_INPUT', `cannot read the committee file ${path}`, { field: 'committee_file' })
  }
  return parseCommittee(text)
}
