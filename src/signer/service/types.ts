import type { SecretBytes } from '../../crypto/index.js'
import type { Logger } from '../../log.js'
import type { Store } from '../../store/index.js'
import type { TeePlatform } from '../../tee/index.js'
import type { InterchangeV5Json, SlashingStrategy } from '../slashing/index.js'
import type { SignerKeyRow } from './keyRepository.js'
import type { SignerNetwork } from './signerNetwork.js'

export interface SignerServiceOptions {
  /** The node's sealed store (opened by the node; the service never closes it). */
  store: Store
  /** Produces each key's attestation (`attest(blsKeyReportData(pubkey))`). */
  tee: TeePlatform
  /** The one network this signer serves (see `resolveSignerNetwork`). */
  network: SignerNetwork
  /** Slashing-protection strategy; default 'complete'. */
  strategy?: SlashingStrategy
  /**
   * Where group commits run: 'worker' (default; a worker thread with its own connection, so no fsync blocks the
   * event loop) or 'inline' (the store's connection on the calling thread).
   */
  slashingCommits?: 'worker' | 'inline'
  /** Called after every slashing-protection commit round (metrics): seconds, requests decided, thread. */
  onSlashingCommit?: (seconds: number, size: number, thread: 'worker' | 'inline') => void
  logger?: Logger
  /** Clock in ms for created_at; default Date.now. */
  now?: () => number
  /** Entropy for generated keys; default node:crypto randomBytes. */
  rng?: (length: number) => Uint8Array
}

/** A loaded key as the service lists it (no secret). */
export interface SignerKeyInfo {
  /** 0x-hex 48 bytes */
  pubkey: string
  origin: 'generated' | 'imported'
  /** EIP-2334 derivation path ('' when the keystore had none) */
  path: string
  uuid: string | null
  createdAt: number
}

/** In-memory form of a loaded key. */
export interface LoadedKey {
  row: SignerKeyRow
  publicKey: Uint8Array
  secretKey: SecretBytes
}

/** One keystore to import: the EIP-2335 JSON (text or parsed) and its password. */
export interface KeystoreImport {
  keystore: unknown
  password: string
}

/** Keymanager API import status, in request order. */
export interface ImportStatus {
  status: 'imported' | 'duplicate' | 'error'
  message?: string
}

/** Keymanager API delete status, in request order. */
export interface DeleteStatus {
  status: 'deleted' | 'not_active' | 'not_found' | 'error'
  message?: string
}

export interface DeleteResult {
  data: DeleteStatus[]
  /** EIP-3076 v5 interchange for the deleted and not_active keys. */
  slashingProtection: InterchangeV5Json
}

/** A key's attestation, as served to anyone who asks. */
export interface KeyAttestation {
  /** 0x-hex 48 bytes */
  pubkey: string
  /** 0x-hex 64 bytes: blsKeyReportData(pubkey) */
  reportData: string
  /** 0x-hex dstack VersionedAttestation (V0 SCALE) committing to reportData */
  attestation: string
  /** the TEE platform that produced it */
  platform: string
  /** true when produced by the INSECURE simulated TEE */
  simulated: boolean
}

export interface ReloadStatus {
  status: 'idle' | 'running' | 'completed' | 'completed_with_errors' | 'failed'
  /** ms since the epoch (the HTTP API writes it as ISO-8601, as Web3Signer) */
  lastOperationTime?: number
  lastError?: string
  keys?: number
}

export interface SignerHealth {
  /** Every check passes: the slashing database answers and every stored key loaded (as Web3Signer's outcome). */
  ok: boolean
  keys: number
  /** Stored keys that failed to load at the last start or reload. */
  keyErrors: number
  slashingDb: boolean
}
