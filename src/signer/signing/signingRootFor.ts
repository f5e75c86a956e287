import type { Type } from '@chainsafe/ssz'
import { ssz } from '@lodestar/types'
import { equalBytes, fromHex } from '../../crypto/index.js'
import { SignerError } from '../errors.js'
import {
  computeDomain,
  computeEpochAtSlot,
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
  ZERO_ROOT,
} from './domains.js'
import { exitForkVersion, KNOWN_NETWORKS, knownNetworkByGenesisValidatorsRoot, type NetworkConfig } from './networks.js'
import { parseSignRequest, type SignRequest } from './signRequestSchema.js'
import './sszHasher.js'
import { exactUint64, parseSszJson } from './sszJson.js'

/**
 * The signing root of a Web3Signer sign request, computed from its typed payload the way Web3Signer does
 * (core/.../eth2/Eth2SignForIdentifierHandler.java `computeSigningRoot`). The client never chooses what is signed:
 * a `signingRoot` in the body is only compared with the computed one.
 */

export type SlashingSubject = { kind: 'block'; slot: bigint } | { kind: 'attestation'; source: bigint; target: bigint }

export interface SigningRootResult {
  signingRoot: Uint8Array
  /** fork_info.genesis_validators_root (absent for DEPOSIT and VALIDATOR_REGISTRATION). */
  genesisValidatorsRoot?: Uint8Array
  /** Set for BLOCK, BLOCK_V2 and ATTESTATION, the only types slashing protection checks. */
  slashing?: SlashingSubject
}

export interface SigningRootOptions {
  /**
   * The network this signer serves. Used for VALIDATOR_REGISTRATION (genesis fork version; default mainnet, as
   * Web3Signer's default `--network`) and for EIP-7044 exit pinning. When absent, a known network is recognised
   * from fork_info.genesis_validators_root.
   */
  network?: NetworkConfig
}

type ForkName = 'phase0' | 'altair' | 'bellatrix' | 'capella' | 'deneb' | 'electra' | 'fulu'
const FORKS: readonly ForkName[] = ['phase0', 'altair', 'bellatrix', 'capella', 'deneb', 'electra', 'fulu']

function forkName(version: string): ForkName {
  const f = version.toLowerCase() as ForkName
  if (!FORKS.includes(f)) {
    throw new SignerError('SIGNER_UNSUPPORTED_FORK', `unsupported fork version "${version.slice(0, 20)}"`, {
      version: version.slice(0, 20),
    })
  }
  return f
}

function toForkInfo(fi: SignRequest['fork_info']): ForkInfo {
  if (!fi) throw new SignerError('SIGNER_BAD_PAYLOAD', 'fork_info: required for this type', { path: 'fork_info' })
  return {
    fork: {
      previousVersion: fromHex(fi.fork.previous_version),
      currentVersion: fromHex(fi.fork.current_version),
      epoch: fi.fork.epoch,
    },
    genesisValidatorsRoot: fromHex(fi.genesis_validators_root),
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the SSZ value type differs per fork
type AnyType = Type<any>

function blockType(fork: ForkName, block: Record<string, unknown>): AnyType {
  const body = block.body as Record<string, unknown> | undefined
  const blinded = fork !== 'phase0' && fork !== 'altair' && body !== null && typeof body === 'object'
  if (blinded && 'execution_payload_header' in body) return exactUint64(ssz[fork as 'bellatrix'].BlindedBeaconBlock)
  return exactUint64(ssz[fork].BeaconBlock)
}

function rootOf(type: AnyType, json: unknown, path: string): Uint8Array {
  return type.hashTreeRoot(parseSszJson(type, json, path))
}

function slotOf(json: unknown, path: string): bigint {
  const slot = (json as { slot?: unknown } | null)?.slot
  if (typeof slot !== 'string' || !/^(0|[1-9]\d{0,19})$/.test(slot) || BigInt(slot) >= 2n ** 64n) {
    throw new SignerError('SIGNER_BAD_PAYLOAD', `${path}.slot: expected a decimal uint64 string`, { path })
  }
  return BigInt(slot)
}

/** Compute the signing root (and slashing subject) of a parsed sign request. */
export function signingRootFor(req: SignRequest, opts: SigningRootOptions = {}): SigningRootResult {
  switch (req.type) {
    case 'DEPOSIT': {
      const d = req.deposit
      const domain = computeDomain(DOMAIN_DEPOSIT, fromHex(d.genesis_fork_version), ZERO_ROOT)
      const msg = {
        pubkey: fromHex(d.pubkey),
        withdrawalCredentials: fromHex(d.withdrawal_credentials),
        amount: d.amount,
      }
      return { signingRoot: computeSigningRoot(exactUint64(ssz.phase0.DepositMessage), msg, domain) }
    }
    case 'VALIDATOR_REGISTRATION': {
      const r = req.validator_registration
      const network = opts.network ?? KNOWN_NETWORKS.mainnet
      const domain = computeDomain(DOMAIN_APPLICATION_BUILDER, network.genesisForkVersion, ZERO_ROOT)
      const value = {
        feeRecipient: fromHex(r.fee_recipient),
        gasLimit: r.gas_limit,
        timestamp: r.timestamp,
        pubkey: fromHex(r.pubkey),
      }
      return { signingRoot: computeSigningRoot(exactUint64(ssz.bellatrix.ValidatorRegistrationV1), value, domain) }
    }
    default:
      return withForkInfo(req, toForkInfo(req.fork_info), opts)
  }
}

function withForkInfo(
  req: Exclude<SignRequest, { type: 'DEPOSIT' | 'VALIDATOR_REGISTRATION' }>,
  fi: ForkInfo,
  opts: SigningRootOptions,
): SigningRootResult {
  const gvr = fi.genesisValidatorsRoot
  const signed = (domainType: Uint8Array, epoch: bigint, objectRoot: Uint8Array, slashing?: SlashingSubject) => ({
    signingRoot: computeSigningRootFromObjectRoot(objectRoot, getDomain(fi, domainType, epoch)),
    genesisValidatorsRoot: gvr,
    ...(slashing ? { slashing } : {}),
  })
  switch (req.type) {
    case 'BLOCK': {
      const slot = slotOf(req.block, 'block')
      const root = rootOf(exactUint64(ssz.phase0.BeaconBlock), req.block, 'block')
      return signed(DOMAIN_BEACON_PROPOSER, computeEpochAtSlot(slot), root, { kind: 'block', slot })
    }
    case 'BLOCK_V2': {
      const fork = forkName(req.beacon_block.version)
      const { block, block_header: header } = req.beacon_block
      let root: Uint8Array
      let slot: bigint
      if (header) {
        slot = header.slot
        root = exactUint64(ssz.phase0.BeaconBlockHeader).hashTreeRoot({
          slot: header.slot,
          proposerIndex: header.proposer_index,
          parentRoot: fromHex(header.parent_root),
          stateRoot: fromHex(header.state_root),
          bodyRoot: fromHex(header.body_root),
        })
      } else {
        const b = block as Record<string, unknown>
        slot = slotOf(b, 'beacon_block.block')
        root = rootOf(blockType(fork, b), b, 'beacon_block.block')
      }
      return signed(DOMAIN_BEACON_PROPOSER, computeEpochAtSlot(slot), root, { kind: 'block', slot })
    }
    case 'ATTESTATION': {
      const a = req.attestation
      const value = {
        slot: a.slot,
        index: a.index,
        beaconBlockRoot: fromHex(a.beacon_block_root),
        source: { epoch: a.source.epoch, root: fromHex(a.source.root) },
        target: { epoch: a.target.epoch, root: fromHex(a.target.root) },
      }
      const root = exactUint64(ssz.phase0.AttestationData).hashTreeRoot(value)
      return signed(DOMAIN_BEACON_ATTESTER, a.target.epoch, root, {
        kind: 'attestation',
        source: a.source.epoch,
        target: a.target.epoch,
      })
    }
    case 'AGGREGATION_SLOT': {
      const slot = req.aggregation_slot.slot
      return signed(DOMAIN_SELECTION_PROOF, computeEpochAtSlot(slot), exactUint64(ssz.Slot).hashTreeRoot(slot))
    }
    case 'AGGREGATE_AND_PROOF':
    case 'AGGREGATE_AND_PROOF_V2': {
      const isV2 = req.type === 'AGGREGATE_AND_PROOF_V2'
      const fork = isV2 ? forkName(req.aggregate_and_proof.version) : 'phase0'
      const json = isV2 ? req.aggregate_and_proof.data : req.aggregate_and_proof
      const path = isV2 ? 'aggregate_and_proof.data' : 'aggregate_and_proof'
      const type = exactUint64(
        fork === 'electra' || fork === 'fulu' ? ssz.electra.AggregateAndProof : ssz.phase0.AggregateAndProof,
      )
      const value = parseSszJson(type, json, path)
      const epoch = computeEpochAtSlot(value.aggregate.data.slot as unknown as bigint)
      return signed(DOMAIN_AGGREGATE_AND_PROOF, epoch, type.hashTreeRoot(value))
    }
    case 'RANDAO_REVEAL': {
      const epoch = req.randao_reveal.epoch
      return signed(DOMAIN_RANDAO, epoch, exactUint64(ssz.Epoch).hashTreeRoot(epoch))
    }
    case 'VOLUNTARY_EXIT': {
      const e = req.voluntary_exit
      const root = exactUint64(ssz.phase0.VoluntaryExit).hashTreeRoot({
        epoch: e.epoch,
        validatorIndex: e.validator_index,
      })
      const network = opts.network ?? knownNetworkByGenesisValidatorsRoot(gvr)
      const version = exitForkVersion(forkVersionAtEpoch(fi, e.epoch), network)
      const domain = computeDomain(DOMAIN_VOLUNTARY_EXIT, version, gvr)
      return { signingRoot: computeSigningRootFromObjectRoot(root, domain), genesisValidatorsRoot: gvr }
    }
    case 'BLS_TO_EXECUTION_CHANGE': {
      // capella process_bls_to_execution_change: compute_domain(DOMAIN_BLS_TO_EXECUTION_CHANGE,
      // genesis_validators_root=...) with the default fork_version = GENESIS_FORK_VERSION, whatever fork is current
      // (so a change signed once stays valid across forks); fork_info only supplies the genesis_validators_root.
      const m = req.BLS_TO_EXECUTION_CHANGE
      const network = opts.network ?? knownNetworkByGenesisValidatorsRoot(gvr)
      if (!network) {
        throw new SignerError(
          'SIGNER_BAD_PAYLOAD',
          'fork_info.genesis_validators_root: unknown network, so its genesis fork version is unknown',
          { path: 'fork_info.genesis_validators_root' },
        )
      }
      const root = exactUint64(ssz.capella.BLSToExecutionChange).hashTreeRoot({
        validatorIndex: m.validator_index,
        fromBlsPubkey: fromHex(m.from_bls_pubkey),
        toExecutionAddress: fromHex(m.to_execution_address),
      })
      const domain = computeDomain(DOMAIN_BLS_TO_EXECUTION_CHANGE, network.genesisForkVersion, gvr)
      return { signingRoot: computeSigningRootFromObjectRoot(root, domain), genesisValidatorsRoot: gvr }
    }
    case 'SYNC_COMMITTEE_MESSAGE': {
      const m = req.sync_committee_message
      return signed(DOMAIN_SYNC_COMMITTEE, computeEpochAtSlot(m.slot), fromHex(m.beacon_block_root))
    }
    case 'SYNC_COMMITTEE_SELECTION_PROOF': {
      const d = req.sync_aggregator_selection_data
      const type = exactUint64(ssz.altair.SyncAggregatorSelectionData)
      const root = type.hashTreeRoot({ slot: d.slot, subcommitteeIndex: d.subcommittee_index })
      return signed(DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, computeEpochAtSlot(d.slot), root)
    }
    case 'SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF': {
      const type = exactUint64(ssz.altair.ContributionAndProof)
      const value = parseSszJson(type, req.contribution_and_proof, 'contribution_and_proof')
      const epoch = computeEpochAtSlot(value.contribution.slot as unknown as bigint)
      return signed(DOMAIN_CONTRIBUTION_AND_PROOF, epoch, type.hashTreeRoot(value))
    }
  }
}

/** Throw SIGNER_SIGNING_ROOT_MISMATCH if the request carries a signingRoot/signing_root other than `computed`. */
export function checkClaimedSigningRoot(req: SignRequest, computed: Uint8Array): void {
  for (const claimed of [req.signingRoot, req.signing_root]) {
    if (claimed !== undefined && !equalBytes(fromHex(claimed), computed)) {
      throw new SignerError(
        'SIGNER_SIGNING_ROOT_MISMATCH',
        'signingRoot in the request does not match the signing root computed from its payload',
      )
    }
  }
}

/** Parse a sign request body, compute its signing root and check any claimed root. The server's one call. */
export function prepareSignRequest(
  body: unknown,
  opts: SigningRootOptions = {},
): SigningRootResult & { request: SignRequest } {
  const request = parseSignRequest(body)
  const result = signingRootFor(request, opts)
  checkClaimedSigningRoot(request, result.signingRoot)
  return { ...result, request }
}
