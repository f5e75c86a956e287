import type { SecretBytes } from '../../crypto/index.js'
import type { SignOutcome, SlashingCheck } from '../slashing/index.js'

/** The decision on one request, and its signature when the committer made it (see `submit`). */
export interface CommitOutcome {
  outcome: SignOutcome
  signature?: Uint8Array
}

/**
 * Where the signer's check-and-record happens. `submit` resolves once the message is durably recorded (or is
 * identical to recorded data) and rejects with SlashingError (412) when slashable or SIGNER_SLASHING_UNAVAILABLE
 * (503) when the database failed; either way a rejected request must not be signed. Requests submitted in one
 * event-loop turn, and those waiting while a commit runs, share one transaction and one fsync (group commit),
 * decided in submission order. Implementations: InlineSlashingCommitter, WorkerSlashingCommitter.
 */
export interface SlashingCommitter {
  /**
   * With `secretKey`, a committer may also BLS-sign the signing root once the record is durable and return the
   * signature (the worker committer does); without one, or when it returns none, the caller signs.
   */
  submit(check: SlashingCheck, secretKey?: SecretBytes): Promise<CommitOutcome>
  /** Where commits run once started: 'worker', or 'inline' (also after a worker that failed). */
  ready(): Promise<'worker' | 'inline'>
  close(): Promise<void>
}

/** Told about every commit round: seconds the transaction took (fsync included), requests it decided, where. */
export type CommitRoundObserver = (seconds: number, size: number, thread: 'worker' | 'inline') => void

/** A request's promise, settled when its commit round is decided. */
export interface Waiter {
  resolve: (o: CommitOutcome) => void
  reject: (e: Error) => void
}
