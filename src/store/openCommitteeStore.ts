import type { Logger } from '../log.js'
import { type AbandonedAttempt, EpochStateStore } from './epochStateStore.js'
import { NonceStore, type NonceStoreOptions } from './nonceStore.js'
import type { Store } from './openStore.js'
import { ShareStore } from './shareStore.js'

export interface CommitteeStore {
  nonces: NonceStore
  shares: ShareStore
  epochs: EpochStateStore
  /** what opening did to state left by the previous process */
  recovered: { burnedNonces: number; abandonedAttempt: AbandonedAttempt | undefined }
}

/**
 * The committee's durable state on the node's sealed store, opened once per process: nonces left reserved are
 * burned and a key-event attempt left in progress is abandoned (both reported in `recovered`).
 */
export function openCommitteeStore(
  store: Store,
  opts: { logger?: Logger; now?: () => number; nonceRetentionMs?: number } = {},
): CommitteeStore {
  const nonceOpts: NonceStoreOptions = {
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.nonceRetentionMs !== undefined ? { retentionMs: opts.nonceRetentionMs } : {}),
  }
  const nonces = NonceStore.open(store, nonceOpts)
  const shares = new ShareStore(store, opts.logger ? { logger: opts.logger } : {})
  const epochs = EpochStateStore.open(store, shares, opts.logger ? { logger: opts.logger } : {})
  return {
    nonces,
    shares,
    epochs,
    recovered: { burnedNonces: nonces.burnedAtOpen, abandonedAttempt: epochs.abandonedAtOpen },
  }
}
