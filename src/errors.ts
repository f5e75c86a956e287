/**
 * One base class for every error Custos raises on purpose. Each domain defines its own codes
 * (`DOMAIN_REASON`, never reused with another meaning) and the HTTP status the compatible API expects.
 * Messages say what is wrong and how to fix it; they never carry key bytes, tokens or sealed blobs.
 */
import { randomUUID } from 'node:crypto'

export type ErrorMeta = Record<string, string | number | boolean>

export class CustosError<C extends string = string> extends Error {
  readonly code: C
  readonly status: number
  readonly shortMessage: string
  readonly meta: ErrorMeta

  constructor(code: C, status: number, shortMessage: string, meta: ErrorMeta = {}, opts?: { cause?: unknown }) {
    super(`${code}: ${shortMessage}`, opts)
    this.name = new.target.name
    this.code = code
    this.status = status
    this.shortMessage = shortMessage
    this.meta = meta
  }

  toJSON(): { code: C; message: string; meta: ErrorMeta } {
    return { code: this.code, message: this.shortMessage, meta: this.meta }
  }
}

/** Build a domain error class whose codes map to fixed HTTP statuses. */
export function defineErrors<const T extends Record<string, number>>(name: string, statuses: T) {
  type Code = Extract<keyof T, string>
  const cls = class extends CustosError<Code> {
    /** code → HTTP status, e.g. to rebuild an error that crossed a thread boundary as `{ code, message, meta }` */
    static readonly statuses: Readonly<T> = statuses

    constructor(code: Code, message: string, meta?: ErrorMeta, opts?: { cause?: unknown }) {
      super(code, statuses[code] as number, message, meta, opts)
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

/**
 * The chain of short messages from an error and its CustosError causes, outermost first
 * ("invalid quote: the peer attestation was rejected: simulated evidence is not trusted …").
 * Only our own messages are used, so no remote text or secret bytes leak into the result.
 */
export function explain(e: unknown, fallback = 'unexpected error'): string {
  const parts: string[] = []
  let cur: unknown = e
  while (cur instanceof CustosError && parts.length < 5) {
    parts.push(cur.shortMessage)
    cur = cur.cause
  }
  return parts.length > 0 ? parts.join(': ') : fallback
}

/** How a server answers a thrown value (see `httpErrorOf`). */
export interface HttpError {
  status: number
  code: string
  /** our own short message; `internal error` for an unexpected failure */
  message: string
  /** only for an unexpected failure: a fresh id, logged with the cause and sent to the client to match the two */
  errorId?: string
}

/**
 * The one mapping from a thrown value to an HTTP answer, for every server (KMS and onboard prpc, guest agent,
 * signer APIs): a CustosError answers with its own status (4xx/5xx), code and short message (our text, never
 * request values); anything else is an unexpected failure, a bare 500 `internal error` with a fresh `errorId`.
 * Each server shapes the body its compatible API expects and logs the cause.
 */
export function httpErrorOf(e: unknown): HttpError {
  if (e instanceof CustosError)
    return { status: e.status >= 400 && e.status < 600 ? e.status : 400, code: e.code, message: e.shortMessage }
  return { status: 500, code: 'INTERNAL', message: 'internal error', errorId: randomUUID() }
}

/** The error body of the dstack-style JSON APIs (KMS prpc, guest agent): `{error, code}`, or `{error, error_id}`. */
export function jsonErrorBody(e: HttpError): { error: string; code: string } | { error: string; error_id: string } {
  return e.errorId === undefined ? { error: e.message, code: e.code } : { error: e.message, error_id: e.errorId }
}
