/**
 * The evm committee source composed: the member for the CustosCommittee's committee, restarted whenever that
 * committee changes on chain, and the votes the member owes the contract.
 */
import { leaveCommittee } from '../mpc/index.js'
import type { CommitteeState } from '../policy/index.js'
import { committeeFingerprint, committeeFromChain, participantIdOf } from './committeeFromChain.js'
import { checkOwnNodeKey, type Member, type MemberContext, startMember } from './committeeMember.js'
import type { EvmCommitteeSource } from './evmCommitteeSource.js'

/** An id no committee lists (the committee file allows at most 0xfffffffe). */
const NOT_AN_ID = 0xffff_ffff

export interface ChainFollower {
  /** the member started from the contract's state at start, if this node is a member */
  member: Member | undefined
  /** why there is no member now (for the API's 503), or undefined when there is one */
  notMember(): string | undefined
  close(): Promise<void>
}

/**
 * The evm committee source: start the member for the contract's current committee (the prospective one while it
 * reshares), then follow the contract: when the committee the service depends on changes (new epoch, resharing
 * started or cancelled, domains added, members' keys or URLs) the member is closed and a new one started; the
 * service's activated keys are voted on chain. `onMember` learns every new member (or undefined).
 */
export async function followChainCommittee(
  ctx: MemberContext,
  source: EvmCommitteeSource,
  onMember: (m: Member | undefined) => void,
): Promise<ChainFollower> {
  const log = ctx.logger
  const initial = await source.read()
  let current: Member | undefined
  let running = ''
  let outside: string | undefined
  /** this node's id in the last committee it was a member of */
  let lastMe: number | undefined
  log.info(
    {
      committee: source.address,
      rpc: source.rpcUrl,
      account: source.account,
      epochId: String(initial.epochId),
      state: initial.state,
      domains: initial.domains.map((d) => d.id),
    },
    'committee: read from the contract',
  )

  const apply = async (s: CommitteeState): Promise<void> => {
    const next = committeeFromChain(s)
    const me = participantIdOf(next, source.account)
    const fingerprint = `${me ?? '-'}|${committeeFingerprint(next.committee)}`
    if (fingerprint === running) return
    const from = current?.committee
    if (current) {
      log.info(
        {
          fromEpoch: from ? String(from.epoch) : null,
          toEpoch: String(next.committee.epoch),
          resharing: next.resharing,
          domains: next.committee.domains.map((d) => d.id),
          threshold: next.committee.threshold,
          participants: next.committee.participants.map((p) => p.id),
        },
        'committee changed on chain: restarting the committee service',
      )
      const old = current
      current = undefined
      onMember(undefined)
      await old.close()
    }
    running = ''
    if (me === undefined) {
      outside = `this node's account ${source.account} is not a participant of epoch ${next.committee.epoch}`
      running = fingerprint
      log.warn(
        { account: source.account, epoch: String(next.committee.epoch), state: s.state },
        'committee: this node is not a member; waiting for the contract to add it',
      )
      // a leaver's shares are erased once the new epoch has started, never while it is only being formed: a
      // cancelled resharing leaves the current epoch, whose shares this node still serves
      if (!next.resharing) {
        const left = leaveCommittee(ctx.stores, next.committee, lastMe ?? NOT_AN_ID, ctx.signer.publicKey, log)
        if (left.kind === 'not-listed') log.info({ reason: left.reason }, 'committee: no key shares erased')
      }
      return
    }
    lastMe = me
    outside = undefined
    checkOwnNodeKey(ctx, next.committee, me, 'the contract')
    current = await startMember(ctx, next.committee, me, (e) => {
      void source.keysActivated(e)
    })
    running = fingerprint
    onMember(current)
    if (from) log.info({ epoch: String(next.committee.epoch), me }, 'committee service restarted')
    catchUpVotes(ctx, source, s, current)
  }

  await apply(initial)
  source.follow(initial, apply)
  // votes owed from before this process started are sent once the contract state allows them
  void source.sync()
  return {
    get member() {
      return current
    },
    notMember: () => (current ? undefined : outside),
    close: () => source.close(),
  }
}

/**
 * Votes a member owes from before it (re)started: keys a DKG completed whose votes were lost with the previous
 * process, or a resharing that completed here. The service reports only keys it activates while running.
 */
function catchUpVotes(ctx: MemberContext, source: EvmCommitteeSource, s: CommitteeState, member: Member): void {
  const epoch = member.committee.epoch
  if (s.state === 'initializing') {
    const held = ctx.stores.shares.list().filter((x) => x.status === 'active' && x.epoch === epoch)
    for (const d of s.domains) {
      const share = held.find((x) => x.domainId === d.id)
      if (d.publicKey !== '0x' || !share || !member.service.readyDomains().includes(d.id)) continue
      source.queue({
        kind: 'pk',
        epoch,
        domainId: d.id,
        attemptId: share.attemptId,
        publicKey: member.service.publicKey(d.id).publicKey,
      })
    }
  } else if (s.state === 'resharing' && member.service.ready) {
    source.queue({ kind: 'reshared', epoch })
  }
}
