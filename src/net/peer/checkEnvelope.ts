import { decodeEnvelope, envelopeSigningInput } from './envelope.js'
import { PeerError } from './errors.js'
import type { MemberEntry } from './memberTable.js'
import type { ReplayWindow } from './replayWindow.js'
import type { DropReason, ReceivedEnvelope } from './types.js'

export interface CheckEnvelopeContext {
  /** the member the connection authenticated as (still current) */
  entry: MemberEntry
  /** the current epoch */
  epoch: bigint
  /** this node's participant id */
  self: number
  maxPayloadBytes: number
  replay: ReplayWindow
}

export type CheckedEnvelope =
  | { ok: true; envelope: ReceivedEnvelope }
  | { ok: false; reason: DropReason; log: Record<string, string | number> }

/**
 * The inbound checks of one envelope, in order: well-formed → sender is the connection's member → current epoch
 * → addressed to us (or all) → signature of that member's node key → not a replay. Cheap checks first, the
 * signature before the replay window (unauthenticated bytes never enter it). Records nothing: the caller records
 * the replay key once the envelope is queued, so a refused (back-pressured) envelope can be sent again.
 */
export function checkEnvelope(bytes: Uint8Array, c: CheckEnvelopeContext): CheckedEnvelope {
  let d: ReturnType<typeof decodeEnvelope>
  try {
    d = decodeEnvelope(bytes, c.maxPayloadBytes)
  } catch (e) {
    return { ok: false, reason: 'malformed', log: { detail: e instanceof PeerError ? e.shortMessage : 'undecodable' } }
  }
  const e = d.envelope
  const log = { sender: e.sender, epoch: String(e.epoch), round: e.round, seq: String(e.seq) }
  const no = (reason: DropReason, extra: Record<string, string | number> = {}): CheckedEnvelope => ({
    ok: false,
    reason,
    log: { ...log, ...extra },
  })
  if (e.sender !== c.entry.member.id) return no('wrong_sender')
  if (e.epoch !== c.epoch) return no('wrong_epoch', { current: String(c.epoch) })
  if (e.recipient !== 'all' && e.recipient !== c.self) return no('wrong_recipient')
  if (!c.entry.verify(envelopeSigningInput(d.body), d.signature)) return no('bad_signature')
  if (c.replay.seen(e)) return no('replayed')
  return { ok: true, envelope: { ...e, signature: d.signature, raw: bytes } }
}
