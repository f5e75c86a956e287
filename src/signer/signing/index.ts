export {
  computeDomain,
  computeEpochAtSlot,
  computeForkDataRoot,
  computeSigningRoot,
  computeSigningRootFromObjectRoot,
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_BLS_TO_EXECUTION_CHANGE,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_DEPOSIT,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  type ForkInfo,
  forkVersionAtEpoch,
  getDomain,
  SLOTS_PER_EPOCH,
  ZERO_ROOT,
} from './domains.js'
export {
  exitForkVersion,
  isKnownNetwork,
  KNOWN_NETWORKS,
  type KnownNetworkName,
  knownNetworkByGenesisValidatorsRoot,
  type NetworkConfig,
} from './networks.js'
export {
  checkClaimedSigningRoot,
  prepareSignRequest,
  type SigningRootOptions,
  type SigningRootResult,
  type SlashingSubject,
  signingRootFor,
} from './signingRootFor.js'
export {
  parseSignRequest,
  SIGN_TYPES,
  type SignRequest,
  type SignType,
  signRequestSchema,
} from './signRequestSchema.js'
export { type SszHasherName, sszHasherName } from './sszHasher.js'
export { exactUint64, parseSszJson } from './sszJson.js'
