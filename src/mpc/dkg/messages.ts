/**
 * DKG payloads (framing in ../wire.ts: u8 version 1 ‖ u8 kind ‖ SCALE body). `point` and `scalar` are raw,
 * of the session scheme's length (Ed25519 32/32, secp256k1 33/32); `proof` is noble's proof of knowledge
 * (the scheme's signature length: 64 Ed25519 and Bip340, 65 Secp256k1Frost); `sig` is the dealer's node-key
 * signature (vec<u8>, at most MAX_NODE_SIGNATURE bytes).
 *
 *   round1 (0x01, broadcast by each dealer): u32 dealer ‖ vec<point> commitment (t points) ‖ proof
 *   echo   (0x02, broadcast by everyone):    u32 sender ‖ [32] SHA-256 of the round-1 set (statements.ts)
 *   share  (0x03, dealer → one receiver):   u32 dealer ‖ u32 receiver ‖ scalar share ‖ sig
 *   status (0x04, broadcast by everyone):   u32 sender ‖ vec<complaint>; complaint = u32 dealer ‖ scalar share ‖ sig
 *                                           (empty list: "every share I got verified")
 */
import { MpcError } from '../errors.js'
import { suiteFor } from '../suites.js'
import type { ParticipantId, SchemeId } from '../types.js'
import { readMessage, writer } from '../wire.js'

export const MAX_NODE_SIGNATURE = 256
/** No committee is larger than this many members (bounds decoding). */
export const MAX_COMMITTEE = 1024

export interface Round1Message {
  readonly dealer: ParticipantId
  readonly commitment: readonly Uint8Array[]
  readonly proofOfKnowledge: Uint8Array
}
export interface EchoMessage {
  readonly sender: ParticipantId
  readonly round1Hash: Uint8Array
}
export interface ShareMessage {
  readonly dealer: ParticipantId
  readonly receiver: ParticipantId
  readonly share: Uint8Array
  readonly signature: Uint8Array
}
/** A receiver's proof that `dealer` signed a share that fails the VSS check (the complainer is the sender). */
export interface Complaint {
  readonly dealer: ParticipantId
  readonly share: Uint8Array
  readonly signature: Uint8Array
}
export interface StatusMessage {
  readonly sender: ParticipantId
  readonly complaints: readonly Complaint[]
}

const sig = (b: Uint8Array) => {
  if (b.length === 0 || b.length > MAX_NODE_SIGNATURE)
    throw new MpcError('MPC_BAD_MESSAGE', `node signature must be 1..${MAX_NODE_SIGNATURE} bytes`, { length: b.length })
  return b
}
const fixed = (b: Uint8Array, n: number, field: string) => {
  if (!(b instanceof Uint8Array) || b.length !== n)
    throw new MpcError('MPC_BAD_INPUT', `${field} must be ${n} bytes`, { field, length: b?.length ?? 0 })
  return b
}

export function encodeRound1(scheme: SchemeId, m: Round1Message): Uint8Array {
  const s = suiteFor(scheme)
  return writer('dkgRound1')
    .u32(m.dealer)
    .vec(m.commitment, (w, p) => w.bytes(fixed(p, s.pointLength, 'commitment')))
    .bytes(fixed(m.proofOfKnowledge, s.signatureLength, 'proofOfKnowledge'))
    .finish()
}

export function decodeRound1(scheme: SchemeId, bytes: Uint8Array): Round1Message {
  const s = suiteFor(scheme)
  return readMessage(bytes, 'dkgRound1', (r) => {
    const dealer = r.u32()
    const n = r.compactLen()
    if (n < 2 || n > MAX_COMMITTEE) throw new MpcError('MPC_BAD_MESSAGE', 'dkgRound1: commitment size out of range')
    const commitment = Array.from({ length: n }, () => r.bytes(s.pointLength).slice())
    return { dealer, commitment, proofOfKnowledge: r.bytes(s.signatureLength).slice() }
  })
}

export function encodeEcho(m: EchoMessage): Uint8Array {
  return writer('dkgEcho')
    .u32(m.sender)
    .bytes(fixed(m.round1Hash, 32, 'round1Hash'))
    .finish()
}

export function decodeEcho(bytes: Uint8Array): EchoMessage {
  return readMessage(bytes, 'dkgEcho', (r) => ({ sender: r.u32(), round1Hash: r.bytes(32).slice() }))
}

export function encodeShare(scheme: SchemeId, m: ShareMessage): Uint8Array {
  const s = suiteFor(scheme)
  return writer('dkgShare')
    .u32(m.dealer)
    .u32(m.receiver)
    .bytes(fixed(m.share, s.scalarLength, 'share'))
    .vecU8(sig(m.signature))
    .finish()
}

export function decodeShare(scheme: SchemeId, bytes: Uint8Array): ShareMessage {
  const s = suiteFor(scheme)
  return readMessage(bytes, 'dkgShare', (r) => ({
    dealer: r.u32(),
    receiver: r.u32(),
    share: r.bytes(s.scalarLength).slice(),
    signature: sig(r.vecU8().slice()),
  }))
}

export function encodeStatus(scheme: SchemeId, m: StatusMessage): Uint8Array {
  const s = suiteFor(scheme)
  return writer('dkgStatus')
    .u32(m.sender)
    .vec(m.complaints, (w, c) =>
      w
        .u32(c.dealer)
        .bytes(fixed(c.share, s.scalarLength, 'share'))
        .vecU8(sig(c.signature)),
    )
    .finish()
}

export function decodeStatus(scheme: SchemeId, bytes: Uint8Array): StatusMessage {
  const s = suiteFor(scheme)
  return readMessage(bytes, 'dkgStatus', (r) => {
    const sender = r.u32()
    const n = r.compactLen()
    if (n > MAX_COMMITTEE) throw new MpcError('MPC_BAD_MESSAGE', 'dkgStatus: too many complaints')
    const complaints = Array.from({ length: n }, () => ({
      dealer: r.u32(),
      share: r.bytes(s.scalarLength).slice(),
      signature: sig(r.vecU8().slice()),
    }))
    return { sender, complaints }
  })
}
