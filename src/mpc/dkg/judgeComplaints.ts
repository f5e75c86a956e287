/**
 * Judging the status round: every complaint carries the share and the dealer's signature over the share
 * statement (statements.ts), so every member reaches the same verdict from public data. A complaint holds when
 * the dealer signed that share for the complainer and it fails the VSS check against the dealer's agreed
 * commitment ('bad-share': the dealer is excluded); otherwise the complainer is ('false-complaint').
 */
import type { Suite } from '../suites.js'
import type { ParticipantId } from '../types.js'
import type { Complaint } from './messages.js'
import { shareStatement } from './statements.js'
import type { DkgFinding } from './types.js'
import { shareIsValid } from './vss.js'

export interface JudgeInput {
  suite: Suite
  signers: { min: number; max: number }
  context: Uint8Array
  round1Hash: Uint8Array
  nodeKeys: ReadonlyMap<ParticipantId, Uint8Array>
  commitments: ReadonlyMap<ParticipantId, readonly Uint8Array[]>
  verify(nodeKey: Uint8Array, statement: Uint8Array, signature: Uint8Array): boolean
}

export function judgeComplaints(
  input: JudgeInput,
  statuses: ReadonlyMap<ParticipantId, readonly Complaint[]>,
): DkgFinding[] {
  const findings: DkgFinding[] = []
  for (const [complainer, complaints] of statuses) {
    for (const c of complaints) {
      const statement = shareStatement(input.context, input.round1Hash, c.dealer, complainer, c.share)
      let signed = false
      try {
        signed = input.verify(input.nodeKeys.get(c.dealer)!, statement, c.signature) === true
      } catch {
        signed = false
      }
      const dealerCheated =
        signed && !shareIsValid(input.suite, input.signers, complainer, c.share, input.commitments.get(c.dealer)!)
      findings.push(
        dealerCheated
          ? { participant: c.dealer, fault: 'bad-share' }
          : { participant: complainer, fault: 'false-complaint' },
      )
    }
  }
  return findings
}

/**
 * What the findings mean for the attempt: restart without the culprits, or abort when fewer than t members
 * (or, for a resharing, fewer than the old threshold of dealers) would remain.
 */
export function exclusionOutcome(
  findings: DkgFinding[],
  ids: readonly ParticipantId[],
  dealers: readonly ParticipantId[],
  threshold: number,
  dealersNeeded: number,
):
  | { kind: 'restart'; exclude: ParticipantId[]; findings: DkgFinding[] }
  | { kind: 'abort'; reason: 'too-few-remain'; culprits: ParticipantId[]; disagreeing: []; findings: DkgFinding[] } {
  const culprits = [...new Set(findings.map((f) => f.participant))].sort((a, b) => a - b)
  const remaining = ids.filter((id) => !culprits.includes(id)).length
  const dealersLeft = dealers.filter((id) => !culprits.includes(id)).length
  if (remaining < threshold || dealersLeft < dealersNeeded)
    return { kind: 'abort', reason: 'too-few-remain', culprits, disagreeing: [], findings }
  return { kind: 'restart', exclude: culprits, findings }
}
