/**
 * CustosCommittee state (as `readCommittee` returns it) → the committee the mpc service runs. Pure: no chain
 * access. The structural checks (unique ids, t ≤ n, key and URL formats) are the committee file's own
 * (`parseCommittee`), so a committee from the chain and one from a file are held to the same rules.
 */
import { toHex } from '../crypto/index.js'
import type { Committee, ParticipantId, SchemeId } from '../mpc/index.js'
import { MpcError, parseCommittee } from '../mpc/index.js'
import type { CommitteeMember, CommitteeState } from '../policy/index.js'
import { CommitteeSourceError } from './committeeSourceErrors.js'

/** The contract's scheme numbers (CustosCommittee.SCHEME_COUNT = 3). */
export const CHAIN_SCHEMES: readonly SchemeId[] = ['Ed25519', 'Secp256k1Frost', 'Bip340']

export interface ChainCommittee {
  /**
   * What this node runs: the current epoch, or while the contract reshares the prospective one (epoch
   * prospectiveEpochId, its members and threshold): the resharing produces that epoch's shares.
   */
  committee: Committee
  /** participant id by account (lower-case 0x address) of `committee`'s members */
  ids: ReadonlyMap<string, ParticipantId>
  /** the contract is resharing (`committee` is the prospective epoch) */
  resharing: boolean
}

const invalid = (message: string, meta: Record<string, string | number> = {}) =>
  new CommitteeSourceError('COMMITTEE_SOURCE_INVALID', `CustosCommittee: ${message}`, meta)

const hexOf = (h: string) => h.replace(/^0x/i, '').toLowerCase()

export function committeeFromChain(state: CommitteeState): ChainCommittee {
  const resharing = state.state === 'resharing'
  if (resharing && !state.prospective) throw invalid('the contract is resharing but no prospective epoch was read')
  const epochId = resharing ? state.prospective!.epochId : state.epochId
  const threshold = resharing ? state.prospective!.threshold : state.threshold
  const members: CommitteeMember[] = resharing ? state.prospective!.participants : state.participants
  if (epochId > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`epoch ${epochId} is out of range`)
  const participants = members.map((p) => {
    const key = hexOf(p.signingPubkey)
    // the contract stores any bytes; a committee member is identified by its Ed25519 node key (`custos mpc node-key`)
    if (!/^[0-9a-f]{64}$/.test(key))
      throw invalid(
        `participant ${p.id} (${p.account}) has a signingPubkey of ${key.length / 2} bytes, not a 32-byte Ed25519 node key`,
        { participant: p.id, account: p.account },
      )
    if (!/^https:\/\/[^/]+:\d+\/?$/.test(p.url))
      throw invalid(
        `participant ${p.id} (${p.account}) has URL ${JSON.stringify(p.url.slice(0, 200))}, not https://host:port`,
        {
          participant: p.id,
          account: p.account,
        },
      )
    return { id: p.id, node_key: key, url: p.url }
  })
  const domains = state.domains.map((d) => {
    const scheme = CHAIN_SCHEMES[d.scheme]
    if (scheme === undefined) throw invalid(`domain ${d.id} has unknown scheme ${d.scheme}`, { domain: d.id })
    // NEAR's domains also have ForeignTx / CKD purposes; this committee only signs
    if (d.purpose.toLowerCase() !== 'sign')
      throw invalid(`domain ${d.id} has purpose ${JSON.stringify(d.purpose.slice(0, 64))}; only "sign" is supported`, {
        domain: d.id,
      })
    const pk = hexOf(d.publicKey)
    return { id: d.id, scheme, purpose: 'Sign' as const, ...(pk ? { public_key: pk } : {}) }
  })
  let committee: Committee
  try {
    committee = parseCommittee({ epoch: Number(epochId), threshold, participants, domains })
  } catch (e) {
    if (e instanceof MpcError)
      throw new CommitteeSourceError(
        'COMMITTEE_SOURCE_INVALID',
        `CustosCommittee (epoch ${epochId}) is not a usable committee: ${e.shortMessage.replace(/^the committee file is invalid: /, '').replace(/the committee file/g, 'the committee')}`,
        { epoch: String(epochId) },
        { cause: e },
      )
    throw e
  }
  return { committee, ids: new Map(members.map((p) => [p.account.toLowerCase(), p.id])), resharing }
}

/** The participant id of `account` in `c`, or undefined when that account is not one of its members. */
export function participantIdOf(c: ChainCommittee, account: string): ParticipantId | undefined {
  return c.ids.get(account.toLowerCase())
}

/**
 * What the running service depends on: epoch, threshold, members (id, node key, URL) and the domain set. A key
 * voted for a domain is not part of it: the members already hold that key, so the service keeps running.
 */
export function committeeFingerprint(c: Committee): string {
  return JSON.stringify({
    epoch: String(c.epoch),
    threshold: c.threshold,
    participants: c.participants.map((p) => [p.id, toHex(p.nodeKey), p.url]),
    domains: c.domains.map((d) => [d.id, d.scheme]),
  })
}
