import type { Logger } from '../../log.js'
import type { SlashingProtection } from '../slashing/index.js'
import { InlineSlashingCommitter } from './inlineSlashingCommitter.js'
import type { CommitRoundObserver, SlashingCommitter } from './slashingCommitter.js'
import { WorkerSlashingCommitter } from './workerSlashingCommitter.js'

/**
 * The signer's committer: on a worker thread with its own connection to `dbPath` (default; no fsync blocks the
 * event loop), falling back to the store's connection on the calling thread ('inline', also the explicit choice).
 */
export function openSlashingCommitter(opts: {
  mode: 'worker' | 'inline' | undefined
  protection: SlashingProtection
  dbPath: string
  genesisValidatorsRoot: Uint8Array
  log: Logger
  onRound?: CommitRoundObserver | undefined
}): SlashingCommitter {
  const { protection, genesisValidatorsRoot, log, onRound } = opts
  const inline = new InlineSlashingCommitter(protection, genesisValidatorsRoot, log, onRound)
  if (opts.mode === 'inline') return inline
  return new WorkerSlashingCommitter(
    { dbPath: opts.dbPath, strategy: protection.strategy, genesisValidatorsRoot },
    inline,
    log,
    onRound,
  )
}
