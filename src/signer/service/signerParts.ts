import type { Logger } from '../../log.js'
import type { TeePlatform } from '../../tee/index.js'
import type { BlsSignWorker } from '../keys/index.js'
import type { SlashingProtection } from '../slashing/index.js'
import type { KeyedMutex } from './keyedMutex.js'
import type { KeyRing } from './keyRing.js'
import type { SignerNetwork } from './signerNetwork.js'
import type { SlashingCommitter } from './slashingCommitter.js'

/**
 * What the signer's operations share. SignerService owns one and is the only public face; each operation
 * (sign.ts, generateKey.ts, importKeystores.ts, deleteKeys.ts) takes only the parts it uses.
 */
export interface SignerParts {
  /** the one network this signer serves */
  network: SignerNetwork
  /** sealed keys and their unsealed copies */
  ring: KeyRing
  /** EIP-3076 records in the node's store */
  slashing: SlashingProtection
  /** check-and-record of blocks and attestations (group commits) */
  committer: SlashingCommitter
  /** BLS on the second core; records are already committed when a job is handed to it */
  signer: BlsSignWorker
  /** key import, generation, deletion and reload run one at a time (ADMIN_LOCK); deletion also per key */
  locks: KeyedMutex
  tee: TeePlatform
  log: Logger
  /** ms clock for created_at */
  now: () => number
  /** entropy for generated keys */
  rng: (length: number) => Uint8Array
}

/** The KeyedMutex key that serialises key administration. */
export const ADMIN_LOCK = '\u0000admin'
