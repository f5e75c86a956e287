import { CustosError, type ErrorMeta } from '../../errors.js'
import type { SignOutcome, SlashingCheck, SlashingCheckResult } from '../slashing/index.js'
import { SlashingError, type SlashingErrorCode } from '../slashing/index.js'
import { SignerServiceError } from './errors.js'

/**
 * Messages between the signer service and its slashing-commit worker. Structured clone keeps Uint8Array and
 * bigint but not error classes, so a refusal crosses as `{ code, message, meta }` and is rebuilt as the same
 * SlashingError (412) on this side; anything else becomes SIGNER_SLASHING_UNAVAILABLE (503) without the
 * database's own text.
 */
export interface CommitRequest {
  seq: number
  checks: SlashingCheck[]
  /**
   * 32 bytes per check: the BLS secret key to sign its signing root with once the round has committed (all zero:
   * do not sign). Transferred, not copied, and overwritten by the worker after the round.
   */
  keys?: Uint8Array
}

export type WireResult =
  | { ok: true; outcome: SignOutcome; signature?: Uint8Array }
  | { ok: false; code: string | null; message: string; meta: ErrorMeta }

/** `round` (on the first reply of a commit round): how long the transaction took and how many it decided. */
export type CommitReply = ({ seq: number; results: WireResult[] } | { seq: number; failed: string }) & {
  round?: { ms: number; size: number }
}

export type WorkerEvent = { ready: true } | CommitReply

export function toWire(r: SlashingCheckResult): WireResult {
  if (r.ok) return r
  const e = r.error
  return e instanceof CustosError
    ? { ok: false, code: e.code, message: e.shortMessage, meta: e.meta }
    : { ok: false, code: null, message: e instanceof Error ? e.name : typeof e, meta: {} }
}

export function fromWire(r: WireResult): { outcome: SignOutcome; signature?: Uint8Array } | Error {
  if (r.ok) return r.signature ? { outcome: r.outcome, signature: new Uint8Array(r.signature) } : { outcome: r.outcome }
  if (r.code !== null && Object.hasOwn(SlashingError.statuses, r.code)) {
    return new SlashingError(r.code as SlashingErrorCode, r.message, r.meta)
  }
  return unavailable(r.code ?? r.message)
}

export function unavailable(reason: string, cause?: unknown): SignerServiceError {
  return new SignerServiceError(
    'SIGNER_SLASHING_UNAVAILABLE',
    'the slashing-protection database could not record this request, so nothing was signed; see the node log',
    {},
    cause === undefined ? { cause: reason } : { cause },
  )
}
