import type { Address, Client } from 'viem'
import type { Logger } from '../log.js'
import { type CommitteeEvent, type CommitteeWatcher, readCommittee, watchCommittee } from './evmCommitteeWatcher.js'

export interface FollowCommitteeOptions {
  client: Client
  address: Address
  logger: Logger
  /** poll period in ms (default 1000); also the retry period while the contract cannot be read */
  pollIntervalMs?: number
  /** called for every event after it is logged */
  onEvent?: (e: CommitteeEvent) => void
}

/**
 * Log the committee's current epoch, then every resharing and new epoch (info lines "committee: …").
 * Reads the current state first and follows events from the next block, so nothing is missed in between;
 * retries while the RPC is down.
 */
export function followCommittee(opts: FollowCommitteeOptions): { stop(): void } {
  const { address, logger: log } = opts
  const period = opts.pollIntervalMs ?? 1000
  let stopped = false
  let watcher: CommitteeWatcher | undefined
  let retry: NodeJS.Timeout | undefined

  const emit = (e: CommitteeEvent) => {
    if (e.kind === 'epoch')
      log.info(
        {
          committee: address,
          epochId: e.epochId.toString(),
          threshold: e.threshold,
          participants: e.participants,
          block: e.blockNumber.toString(),
        },
        'committee: new epoch',
      )
    else if (e.kind === 'resharing')
      log.info(
        {
          committee: address,
          prospectiveEpochId: e.prospectiveEpochId.toString(),
          threshold: e.threshold,
          participants: e.participants,
        },
        'committee: resharing started',
      )
    else if (e.kind === 'resharing-cancelled')
      log.info(
        { committee: address, prospectiveEpochId: e.prospectiveEpochId.toString() },
        'committee: resharing cancelled',
      )
    else if (e.kind === 'domains-added')
      log.info({ committee: address, firstDomainId: e.firstDomainId, count: e.count }, 'committee: domains added')
    else log.info({ committee: address, domainId: e.domainId, publicKey: e.publicKey }, 'committee: domain key voted')
    opts.onEvent?.(e)
  }

  const start = async (): Promise<void> => {
    if (stopped) return
    let c: Awaited<ReturnType<typeof readCommittee>>
    try {
      c = await readCommittee({ client: opts.client, address })
    } catch (e) {
      log.warn({ committee: address, err: (e as Error).message }, 'committee: cannot read it yet; retrying')
      retry = setTimeout(() => void start(), period)
      retry.unref()
      return
    }
    log.info(
      {
        committee: address,
        epochId: c.epochId.toString(),
        threshold: c.threshold,
        participants: c.participants.map((p) => p.account),
        state: c.state,
      },
      'committee: current epoch',
    )
    if (stopped) return
    watcher = watchCommittee({
      client: opts.client,
      address,
      fromBlock: c.blockNumber + 1n,
      onEpoch: emit,
      onResharing: emit,
      onDomains: emit,
      onError: (e) =>
        log.warn({ committee: address, err: (e as Error).message }, 'committee watcher: poll failed; retrying'),
      pollIntervalMs: period,
      logger: log,
    })
  }
  void start()
  return {
    stop() {
      stopped = true
      if (retry) clearTimeout(retry)
      watcher?.stop()
    },
  }
}
