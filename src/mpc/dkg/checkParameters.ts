/** Validation of DkgParameters, once, when a session is created. */
import { MpcError } from '../errors.js'
import { assertParticipantId, type Suite, suiteFor } from '../suites.js'
import type { ParticipantId } from '../types.js'
import type { DkgParameters } from './types.js'

export interface CheckedParameters {
  suite: Suite
  /** members, ascending */
  ids: ParticipantId[]
  /** who deals: everyone for a fresh key, the plan's dealers for a resharing (ascending) */
  dealers: ParticipantId[]
}

/** Throws MPC_BAD_INPUT / MPC_NOT_PARTICIPANT / MPC_BAD_RESHARE_PLAN / MPC_UNKNOWN_SCHEME. */
export function checkParameters(params: DkgParameters): CheckedParameters {
  const suite = suiteFor(params.scheme)
  const ids = params.participants.map((p) => p.id)
  for (const id of ids) assertParticipantId(id, 'participants')
  if (new Set(ids).size !== ids.length) throw new MpcError('MPC_BAD_INPUT', 'duplicate participant id')
  for (const p of params.participants)
    if (!(p.nodeKey instanceof Uint8Array) || p.nodeKey.length === 0)
      throw new MpcError('MPC_BAD_INPUT', `participant ${p.id} has no node key`, { participant: p.id })
  const t = params.threshold
  if (!Number.isInteger(t) || t < 2 || t > ids.length)
    throw new MpcError('MPC_BAD_INPUT', `threshold must be 2..${ids.length}`, { field: 'threshold' })
  if (!ids.includes(params.me))
    throw new MpcError('MPC_NOT_PARTICIPANT', `participant ${params.me} is not in this session`, {
      participant: params.me,
    })
  if (!(params.sessionId instanceof Uint8Array) || params.sessionId.length !== 32)
    throw new MpcError('MPC_BAD_INPUT', 'sessionId must be 32 bytes', { field: 'sessionId' })
  if (typeof params.epoch !== 'bigint' || params.epoch < 0n || params.epoch >= 2n ** 64n)
    throw new MpcError('MPC_BAD_INPUT', 'epoch must be a u64 bigint', { field: 'epoch' })
  if (typeof params.sign !== 'function' || typeof params.verify !== 'function')
    throw new MpcError('MPC_BAD_INPUT', 'sign and verify must be functions', { field: 'sign/verify' })
  const r = params.reshare
  let dealers = [...ids].sort((a, b) => a - b)
  if (r) {
    const plan = r.plan
    const sameSet = plan.newParticipants.length === ids.length && plan.newParticipants.every((id) => ids.includes(id))
    if (plan.scheme !== params.scheme || !sameSet || plan.newThreshold !== t)
      throw new MpcError('MPC_BAD_RESHARE_PLAN', 'the resharing plan is for another scheme, set or threshold')
    dealers = [...plan.dealers]
    const dealing = dealers.includes(params.me)
    if (dealing !== (r.secret !== undefined))
      throw new MpcError(
        'MPC_BAD_RESHARE_PLAN',
        dealing ? 'a dealer needs its reshare secret' : 'a joiner deals nothing',
      )
    if (r.secret && r.secret.length !== suite.scalarLength)
      throw new MpcError('MPC_BAD_INPUT', 'reshare secret must be a 32-byte scalar', { field: 'reshare.secret' })
  }
  return { suite, ids: [...ids].sort((a, b) => a - b), dealers }
}
