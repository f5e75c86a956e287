/**
 * What DKG participants hash and sign, each SCALE-encoded under its own label so that no two can be confused:
 *
 *   context      = SHA-256("custos-mpc/dkg-context/v1", scheme, u64 epoch, [32] session id, u32 t,
 *                          vec(u32 id, vec<u8> node key) participants, vec<u32> dealers,
 *                          option(group key), vec(u32 dealer, point) expected constants)
 *   round1Hash   = SHA-256("custos-mpc/dkg-round1/v1", context, vec<vec<u8>> round-1 payloads by dealer id)
 *   share stmt   =         "custos-mpc/dkg-share/v1", context, round1Hash, u32 dealer, u32 receiver, share
 *   transcript   = SHA-256("custos-mpc/dkg-transcript/v1", context, round1Hash, group key,
 *                          vec(u32 id, point) verifying shares)
 *
 * A dealer signs the share statement with its node key; because it names the session, both parties and the
 * agreed round-1 set, a complaint carrying it proves which share that dealer sent to whom, in which session.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ScaleWriter } from '../../crypto/index.js'
import type { ParticipantId, SchemeId } from '../types.js'

export interface ContextInput {
  scheme: SchemeId
  epoch: bigint
  sessionId: Uint8Array
  threshold: number
  participants: ReadonlyArray<{ id: ParticipantId; nodeKey: Uint8Array }>
  dealers: readonly ParticipantId[]
  groupPublicKey?: Uint8Array
  dealerConstants?: ReadonlyMap<ParticipantId, Uint8Array>
}

export function sessionContext(c: ContextInput): Uint8Array {
  const w = new ScaleWriter()
    .string('custos-mpc/dkg-context/v1')
    .string(c.scheme)
    .u64(c.epoch)
    .bytes(c.sessionId)
    .u32(c.threshold)
    .vec(
      [...c.participants].sort((a, b) => a.id - b.id),
      (w, p) => w.u32(p.id).vecU8(p.nodeKey),
    )
    .vec(
      [...c.dealers].sort((a, b) => a - b),
      (w, d) => w.u32(d),
    )
    .option(c.groupPublicKey, (w, k) => w.vecU8(k))
    .vec(
      [...(c.dealerConstants ?? new Map())].sort((a, b) => a[0] - b[0]),
      (w, [d, p]) => w.u32(d).vecU8(p),
    )
  return sha256(w.finish())
}

export function round1SetHash(
  context: Uint8Array,
  payloadsByDealer: ReadonlyMap<ParticipantId, Uint8Array>,
): Uint8Array {
  const w = new ScaleWriter()
    .string('custos-mpc/dkg-round1/v1')
    .bytes(context)
    .vec(
      [...payloadsByDealer].sort((a, b) => a[0] - b[0]),
      (w, [, p]) => w.vecU8(p),
    )
  return sha256(w.finish())
}

export function shareStatement(
  context: Uint8Array,
  round1Hash: Uint8Array,
  dealer: ParticipantId,
  receiver: ParticipantId,
  share: Uint8Array,
): Uint8Array {
  return new ScaleWriter()
    .string('custos-mpc/dkg-share/v1')
    .bytes(context)
    .bytes(round1Hash)
    .u32(dealer)
    .u32(receiver)
    .bytes(share)
    .finish()
}

export function transcriptHash(
  context: Uint8Array,
  round1Hash: Uint8Array,
  groupPublicKey: Uint8Array,
  verifyingShares: ReadonlyMap<ParticipantId, Uint8Array>,
): Uint8Array {
  const w = new ScaleWriter()
    .string('custos-mpc/dkg-transcript/v1')
    .bytes(context)
    .bytes(round1Hash)
    .vecU8(groupPublicKey)
    .vec(
      [...verifyingShares].sort((a, b) => a[0] - b[0]),
      (w, [id, p]) => w.u32(id).vecU8(p),
    )
  return sha256(w.finish())
}
