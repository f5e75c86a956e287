/**
 * The committee envelope on the wire (version 1). All integers are big-endian; the layout is fixed, so one
 * envelope has exactly one encoding:
 *
 * | offset    | size | field                                                        |
 * |-----------|------|--------------------------------------------------------------|
 * | 0         | 1    | version = 0x01                                               |
 * | 1         | 8    | epoch, u64                                                   |
 * | 9         | 32   | session id                                                   |
 * | 41        | 4    | sender participant id, u32 (< 0xffffffff)                    |
 * | 45        | 4    | recipient participant id, u32; 0xffffffff = all members      |
 * | 49        | 8    | seq, u64                                                     |
 * | 57        | 1    | round length r, 1..64                                        |
 * | 58        | r    | round, ASCII [A-Za-z0-9_.:/-]                                |
 * | 58+r      | 4    | payload length p, u32                                        |
 * | 62+r      | p    | payload                                                      |
 * | 62+r+p    | 64   | Ed25519 signature of the sender's node key                   |
 *
 * The signature covers `ENVELOPE_SIGNING_DOMAIN ‖ bytes[0 .. 62+r+p)`: the ASCII domain label keeps these
 * signatures apart from anything else the node key signs (TLS endorsements, chain transactions).
 */
import { abytes } from '@noble/hashes/utils.js'
import { PeerError } from './errors.js'
import type { PeerEnvelope } from './types.js'

export const ENVELOPE_VERSION = 0x01
/** Domain label prefixed to the signed bytes. */
export const ENVELOPE_SIGNING_DOMAIN = new TextEncoder().encode('custos/net/peer/envelope/v1\0')
/** recipient value meaning "every member" */
export const RECIPIENT_ALL = 0xffffffff
export const SESSION_ID_BYTES = 32
export const SIGNATURE_BYTES = 64
export const MAX_ROUND_BYTES = 64
/** bytes of an envelope around its round name and payload */
export const ENVELOPE_OVERHEAD = 58 + 4 + SIGNATURE_BYTES
const U64_MAX = (1n << 64n) - 1n
const ROUND_RE = /^[A-Za-z0-9_.:/-]{1,64}$/

/** What the caller hands in: epoch may be a safe integer; the rest as in `PeerEnvelope`. */
export type EnvelopeInput = Omit<PeerEnvelope, 'epoch'> & { epoch: bigint | number }

const bad = (what: string) => new PeerError('PEER_BAD_MESSAGE', `envelope ${what}`)

function u64(v: bigint | number, name: string): bigint {
  const b = typeof v === 'number' ? (Number.isSafeInteger(v) ? BigInt(v) : -1n) : v
  if (typeof b !== 'bigint' || b < 0n || b > U64_MAX) throw bad(`${name} must be a u64`)
  return b
}

function participant(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= RECIPIENT_ALL)
    throw bad(`${name} must be a participant id (u32 below 0xffffffff)`)
  return v
}

/** True for a valid round name (1–64 characters of [A-Za-z0-9_.:/-]). */
export function isRoundName(round: unknown): round is string {
  return typeof round === 'string' && ROUND_RE.test(round)
}

/**
 * Encode the unsigned part of an envelope (everything before the signature). Throws PEER_BAD_MESSAGE on a
 * field out of range; `maxPayloadBytes` bounds the payload (default: u32).
 */
export function encodeEnvelopeBody(e: EnvelopeInput, maxPayloadBytes = 0xffffffff): Uint8Array {
  const epoch = u64(e.epoch, 'epoch')
  const seq = u64(e.seq, 'seq')
  if (!(e.sessionId instanceof Uint8Array) || e.sessionId.length !== SESSION_ID_BYTES)
    throw bad(`session id must be ${SESSION_ID_BYTES} bytes`)
  if (!isRoundName(e.round)) throw bad('round must be 1-64 characters of A-Z a-z 0-9 _ . : / -')
  const sender = participant(e.sender, 'sender')
  const recipient = e.recipient === 'all' ? RECIPIENT_ALL : participant(e.recipient, 'recipient')
  if (!(e.payload instanceof Uint8Array)) throw bad('payload must be a Uint8Array')
  if (e.payload.length > maxPayloadBytes) throw bad(`payload is larger than ${maxPayloadBytes} bytes`)
  const r = e.round.length
  const out = new Uint8Array(58 + r + 4 + e.payload.length)
  const v = new DataView(out.buffer)
  out[0] = ENVELOPE_VERSION
  v.setBigUint64(1, epoch)
  out.set(e.sessionId, 9)
  v.setUint32(41, sender)
  v.setUint32(45, recipient)
  v.setBigUint64(49, seq)
  out[57] = r
  for (let i = 0; i < r; i++) out[58 + i] = e.round.charCodeAt(i)
  v.setUint32(58 + r, e.payload.length)
  out.set(e.payload, 62 + r)
  return out
}

/** The bytes the sender signs: `ENVELOPE_SIGNING_DOMAIN ‖ body`. */
export function envelopeSigningInput(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENVELOPE_SIGNING_DOMAIN.length + body.length)
  out.set(ENVELOPE_SIGNING_DOMAIN, 0)
  out.set(body, ENVELOPE_SIGNING_DOMAIN.length)
  return out
}

/** Encode and sign: `body ‖ signature`. */
export function signEnvelope(
  e: EnvelopeInput,
  sign: (message: Uint8Array) => Uint8Array,
  maxPayloadBytes?: number,
): Uint8Array {
  const body = encodeEnvelopeBody(e, maxPayloadBytes)
  const sig = abytes(sign(envelopeSigningInput(body)), SIGNATURE_BYTES, 'signature')
  const out = new Uint8Array(body.length + SIGNATURE_BYTES)
  out.set(body, 0)
  out.set(sig, body.length)
  return out
}

export interface DecodedEnvelope {
  envelope: PeerEnvelope
  /** the signed body (all bytes before the signature) */
  body: Uint8Array
  signature: Uint8Array
}

/**
 * Decode a signed envelope strictly: known version, exact total length, round charset, sender below
 * 0xffffffff, payload within `maxPayloadBytes`. Does NOT check the signature (see `verifyEnvelope`).
 * Throws PEER_BAD_MESSAGE naming the field, never echoing bytes.
 */
export function decodeEnvelope(bytes: Uint8Array, maxPayloadBytes = 0xffffffff): DecodedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw bad('must be bytes')
  if (bytes.length < ENVELOPE_OVERHEAD + 1) throw bad(`is too short (${bytes.length} bytes)`)
  if (bytes[0] !== ENVELOPE_VERSION) throw bad(`has unknown version ${bytes[0]}`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const r = bytes[57] as number
  if (r < 1 || r > MAX_ROUND_BYTES) throw bad('round length must be 1-64')
  if (bytes.length < 62 + r + SIGNATURE_BYTES) throw bad('is truncated')
  let round = ''
  for (let i = 0; i < r; i++) round += String.fromCharCode(bytes[58 + i] as number)
  if (!isRoundName(round)) throw bad('round has characters outside A-Z a-z 0-9 _ . : / -')
  const p = v.getUint32(58 + r)
  if (p > maxPayloadBytes) throw bad(`payload is larger than ${maxPayloadBytes} bytes`)
  if (bytes.length !== 62 + r + p + SIGNATURE_BYTES) throw bad('length does not match its payload length')
  const sender = v.getUint32(41)
  if (sender === RECIPIENT_ALL) throw bad('sender must be a participant id')
  const recipient = v.getUint32(45)
  const bodyEnd = 62 + r + p
  return {
    envelope: {
      epoch: v.getBigUint64(1),
      sessionId: bytes.slice(9, 41),
      round,
      sender,
      recipient: recipient === RECIPIENT_ALL ? 'all' : recipient,
      seq: v.getBigUint64(49),
      payload: bytes.slice(62 + r, bodyEnd),
    },
    body: bytes.subarray(0, bodyEnd),
    signature: bytes.slice(bodyEnd),
  }
}

/**
 * Check a signed envelope against the sender's node key (e.g. a complaint that carries a dealer's message).
 * `verify` is `nodeKeyVerifier(publicKey)`. Returns the decoded envelope, or undefined when malformed or forged.
 */
export function verifyEnvelope(
  bytes: Uint8Array,
  verify: (message: Uint8Array, signature: Uint8Array) => boolean,
  maxPayloadBytes?: number,
): PeerEnvelope | undefined {
  let d: DecodedEnvelope
  try {
    d = decodeEnvelope(bytes, maxPayloadBytes)
  } catch {
    return undefined
  }
  return verify(envelopeSigningInput(d.body), d.signature) ? d.envelope : undefined
}
