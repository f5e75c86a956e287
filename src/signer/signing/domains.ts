import { ByteVectorType, ContainerType, type Type } from '@chainsafe/ssz'
import './sszHasher.js'

/**
 * Domains and signing roots (ethereum/consensus-specs phase0 beacon-chain.md "compute_domain",
 * "compute_signing_root"; builder-specs for DOMAIN_APPLICATION_BUILDER). Domain types are 4 bytes,
 * little-endian as written in the specs' tables.
 */
export const DOMAIN_BEACON_PROPOSER = Uint8Array.from([0, 0, 0, 0])
export const DOMAIN_BEACON_ATTESTER = Uint8Array.from([1, 0, 0, 0])
export const DOMAIN_RANDAO = Uint8Array.from([2, 0, 0, 0])
export const DOMAIN_DEPOSIT = Uint8Array.from([3, 0, 0, 0])
export const DOMAIN_VOLUNTARY_EXIT = Uint8Array.from([4, 0, 0, 0])
export const DOMAIN_SELECTION_PROOF = Uint8Array.from([5, 0, 0, 0])
export const DOMAIN_AGGREGATE_AND_PROOF = Uint8Array.from([6, 0, 0, 0])
export const DOMAIN_SYNC_COMMITTEE = Uint8Array.from([7, 0, 0, 0])
export const DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF = Uint8Array.from([8, 0, 0, 0])
export const DOMAIN_CONTRIBUTION_AND_PROOF = Uint8Array.from([9, 0, 0, 0])
/** capella beacon-chain.md; signed with the GENESIS fork version (see process_bls_to_execution_change). */
export const DOMAIN_BLS_TO_EXECUTION_CHANGE = Uint8Array.from([10, 0, 0, 0])
export const DOMAIN_APPLICATION_BUILDER = Uint8Array.from([0, 0, 0, 1])

export const ZERO_ROOT = new Uint8Array(32)
export const SLOTS_PER_EPOCH = 32n

const Bytes4 = new ByteVectorType(4)
const Bytes32 = new ByteVectorType(32)
const ForkData = new ContainerType({ currentVersion: Bytes4, genesisValidatorsRoot: Bytes32 })
const SigningData = new ContainerType({ objectRoot: Bytes32, domain: Bytes32 })

function assertLen(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new RangeError(`${what} must be ${n} bytes`)
}

/** hash_tree_root(ForkData{current_version, genesis_validators_root}). */
export function computeForkDataRoot(forkVersion: Uint8Array, genesisValidatorsRoot: Uint8Array): Uint8Array {
  assertLen(forkVersion, 4, 'fork version')
  assertLen(genesisValidatorsRoot, 32, 'genesis_validators_root')
  return ForkData.hashTreeRoot({ currentVersion: forkVersion, genesisValidatorsRoot })
}

/** compute_domain = domain_type ‖ fork_data_root[0:28]. */
export function computeDomain(
  domainType: Uint8Array,
  forkVersion: Uint8Array,
  genesisValidatorsRoot: Uint8Array = ZERO_ROOT,
): Uint8Array {
  assertLen(domainType, 4, 'domain type')
  const out = new Uint8Array(32)
  out.set(domainType, 0)
  out.set(computeForkDataRoot(forkVersion, genesisValidatorsRoot).subarray(0, 28), 4)
  return out
}

/** hash_tree_root(SigningData{object_root, domain}) for an already-computed object root. */
export function computeSigningRootFromObjectRoot(objectRoot: Uint8Array, domain: Uint8Array): Uint8Array {
  assertLen(objectRoot, 32, 'object root')
  assertLen(domain, 32, 'domain')
  return SigningData.hashTreeRoot({ objectRoot, domain })
}

/** compute_signing_root(obj, domain) with the object's SSZ type. */
export function computeSigningRoot<T>(sszType: Type<T>, value: T, domain: Uint8Array): Uint8Array {
  return computeSigningRootFromObjectRoot(sszType.hashTreeRoot(value), domain)
}

export const computeEpochAtSlot = (slot: bigint): bigint => slot / SLOTS_PER_EPOCH

export interface ForkInfo {
  fork: { previousVersion: Uint8Array; currentVersion: Uint8Array; epoch: bigint }
  genesisValidatorsRoot: Uint8Array
}

/** The version get_domain uses at `epoch`: previous_version if epoch < fork.epoch, else current_version. */
export function forkVersionAtEpoch(forkInfo: ForkInfo, epoch: bigint): Uint8Array {
  return epoch < forkInfo.fork.epoch ? forkInfo.fork.previousVersion : forkInfo.fork.currentVersion
}

/** get_domain(state, domain_type, epoch) with fork_info standing in for state.fork. */
export function getDomain(forkInfo: ForkInfo, domainType: Uint8Array, epoch: bigint): Uint8Array {
  return computeDomain(domainType, forkVersionAtEpoch(forkInfo, epoch), forkInfo.genesisValidatorsRoot)
}
