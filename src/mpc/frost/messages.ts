/**
 * Signing-round payloads (encoding rules in ../wire.ts):
 *   signCommitment = 1 ‖ 0x10 ‖ u32 participant ‖ hiding (point) ‖ binding (point)
 *   signShare      = 1 ‖ 0x11 ‖ u32 participant ‖ share (32-byte scalar)
 * Point length is the scheme's (32 Ed25519, 33 secp256k1). Decoding checks lengths only; the point and
 * scalar checks happen where they are used (signShare / aggregate).
 */
import { suiteFor } from '../suites.js'
import type { ParticipantId, SchemeId } from '../types.js'
import { readMessage, writer } from '../wire.js'
import type { SigningCommitment } from './commitments.js'

export function encodeSigningCommitment(scheme: SchemeId, c: SigningCommitment): Uint8Array {
  const { pointLength } = suiteFor(scheme)
  if (c.hiding.length !== pointLength || c.binding.length !== pointLength) throw new RangeError('bad point length')
  return writer('signCommitment').u32(c.participant).bytes(c.hiding).bytes(c.binding).finish()
}

export function decodeSigningCommitment(scheme: SchemeId, bytes: Uint8Array): SigningCommitment {
  const { pointLength } = suiteFor(scheme)
  return readMessage(bytes, 'signCommitment', (r) => ({
    participant: r.u32(),
    hiding: r.bytes(pointLength).slice(),
    binding: r.bytes(pointLength).slice(),
  }))
}

export interface SignatureShareMessage {
  readonly participant: ParticipantId
  readonly share: Uint8Array
}

export function encodeSignatureShare(scheme: SchemeId, m: SignatureShareMessage): Uint8Array {
  if (m.share.length !== suiteFor(scheme).scalarLength) throw new RangeError('bad share length')
  return writer('signShare').u32(m.participant).bytes(m.share).finish()
}

export function decodeSignatureShare(scheme: SchemeId, bytes: Uint8Array): SignatureShareMessage {
  const { scalarLength } = suiteFor(scheme)
  return readMessage(bytes, 'signShare', (r) => ({ participant: r.u32(), share: r.bytes(scalarLength).slice() }))
}
