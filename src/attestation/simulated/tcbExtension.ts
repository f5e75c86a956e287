import { AttestationError } from '../errors.js'
import { TCB_STATUSES, type TcbStatus } from '../types.js'
import { readTlvs, readUtf8, seq, TAG, utf8 } from './der.js'

/** Simulated TCB verdict: SEQUENCE { UTF8String tcbStatus, SEQUENCE OF UTF8String advisoryIds }. */
export interface SimulatedTcb {
  tcbStatus: Exclude<TcbStatus, ''>
  advisoryIds: string[]
}

export function encodeTcbExtension(t: SimulatedTcb): Uint8Array {
  if (!TCB_STATUSES.includes(t.tcbStatus)) throw new RangeError(`unknown TCB status ${t.tcbStatus}`)
  return seq(utf8(t.tcbStatus), seq(...t.advisoryIds.map(utf8)))
}

export function decodeTcbExtension(der: Uint8Array): SimulatedTcb {
  const what = 'simulated TCB extension'
  const bad = (why: string): never => {
    throw new AttestationError('ATTESTATION_MALFORMED', `${what}: ${why}`)
  }
  const [outer] = readTlvs(der, what)
  if (!outer || outer.tag !== TAG.SEQUENCE) return bad('not a SEQUENCE')
  const [status, advisories] = readTlvs(outer.body, what)
  if (!status || status.tag !== TAG.UTF8 || !advisories || advisories.tag !== TAG.SEQUENCE) return bad('bad structure')
  const tcbStatus = readUtf8(status.body) as SimulatedTcb['tcbStatus']
  if (!TCB_STATUSES.includes(tcbStatus)) bad(`unknown TCB status "${tcbStatus}"`)
  const advisoryIds = readTlvs(advisories.body, what).map((t) => {
    if (t.tag !== TAG.UTF8) bad('advisory id is not a UTF8String')
    return readUtf8(t.body)
  })
  return { tcbStatus, advisoryIds }
}
