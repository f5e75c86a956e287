import { TCB_STATUSES, type TcbStatus } from '../types.js'
import { DcapError } from './errors.js'

export type KnownTcbStatus = Exclude<TcbStatus, ''>

/** A TCB status plus the advisory IDs that justify it. */
export interface TcbVerdict {
  status: KnownTcbStatus
  advisoryIds: string[]
}

const SEVERITY = new Map<string, number>(TCB_STATUSES.map((s, i) => [s, i]))

/** @throws DcapError DCAP_TCB_STATUS_UNKNOWN for a status outside the PCS v4 set (attestation.md §2 step 11) */
export function knownStatus(s: string, what: string): KnownTcbStatus {
  if (!SEVERITY.has(s))
    throw new DcapError('DCAP_TCB_STATUS_UNKNOWN', `${what} has TCB status "${s}", which this verifier does not know`, {
      what,
      status: s,
    })
  return s as KnownTcbStatus
}

/** Worse of two statuses (UpToDate < … < Revoked); advisory IDs are the ordered union (a's first). */
export function mergeTcb(a: TcbVerdict, b: TcbVerdict): TcbVerdict {
  const sa = SEVERITY.get(a.status) ?? Number.MAX_SAFE_INTEGER
  const sb = SEVERITY.get(b.status) ?? Number.MAX_SAFE_INTEGER
  const advisoryIds = [...a.advisoryIds]
  for (const id of b.advisoryIds) if (!advisoryIds.includes(id)) advisoryIds.push(id)
  return { status: sb > sa ? b.status : a.status, advisoryIds }
}
