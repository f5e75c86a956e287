/**
 * The signer's high watermark set or removed offline (`custos signer watermark-repair`): the data-dir lock is
 * taken first, so this refuses while the node runs (NODE_DATA_DIR_LOCKED). The store is opened with the TEE's
 * sealing key, as the node does, and the change goes through the same SlashingProtection the signer uses, so a
 * high watermark at or below an imported low watermark is refused exactly as the service refuses it.
 */
import { mkdirSync } from 'node:fs'
import { nullLogger } from '../log.js'
import {
  type HighWatermark,
  SIGNER_SLASHING_DOMAIN,
  SlashingProtection,
  slashingStoreMigrations,
} from '../signer/index.js'
import { openStore } from '../store/index.js'
import { type Config, homePath } from './config.js'
import { acquireDataDirLock } from './dataDirLock.js'
import { createPlatform } from './platform.js'

export type HighWatermarkChange = { kind: 'set'; hw: HighWatermark } | { kind: 'remove' }

export async function repairSignerHighWatermark(
  cfg: Config,
  change: HighWatermarkChange,
): Promise<{ before: HighWatermark | null; after: HighWatermark | null }> {
  const dataDir = homePath(cfg, cfg.node.data_dir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const lock = acquireDataDirLock(dataDir, nullLogger)
  try {
    const tee = await createPlatform(cfg)
    const store = openStore({ dataDir, sealingKey: await tee.sealingKey(), logger: nullLogger })
    try {
      store.migrate(SIGNER_SLASHING_DOMAIN, slashingStoreMigrations())
      const slashing = new SlashingProtection(store.db, { strategy: cfg.signer.slashing_strategy })
      const before = slashing.highWatermark()
      if (change.kind === 'set') slashing.setHighWatermark(change.hw)
      else slashing.removeHighWatermark()
      return { before, after: slashing.highWatermark() }
    } finally {
      store.close()
    }
  } finally {
    lock.release()
  }
}
