import { PublicKey, Signature, verify } from '@chainsafe/blst'
import { createBeaconConfig } from '@lodestar/config'
import { hoodiChainConfig, mainnetChainConfig } from '@lodestar/config/networks'
import { ssz } from '@lodestar/types'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import type { SignerError } from '../errors.js'
import { getBls, signRoot } from '../keys/index.js'
import { DOMAIN_APPLICATION_BUILDER, DOMAIN_DEPOSIT } from './domains.js'
import { KNOWN_NETWORKS } from './networks.js'
import { prepareSignRequest, type SigningRootResult } from './signingRootFor.js'
import { SIGN_TYPES } from './signRequestSchema.js'

type Json = Record<string, unknown>

const hex = (b: Uint8Array): string => `0x${toHex(b)}`
const SK = new SecretBytes(fromHex('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'))
const PK = getBls().publicKey(SK.expose())

/** Sign the computed root and verify it with blst directly (not through our wrapper). */
function expectVerifies(r: SigningRootResult): void {
  const sig = signRoot(SK, r.signingRoot)
  expect(verify(r.signingRoot, PublicKey.fromBytes(PK, true), Signature.fromBytes(sig, true))).toBe(true)
}

// ---------------------------------------------------------------------------------------------------------------
// Every type against Lodestar's own domain computation (@lodestar/config BeaconConfig.getDomain /
//    getDomainForVoluntaryExit) and Lodestar's SigningData type, on mainnet fork_info.
// ---------------------------------------------------------------------------------------------------------------
const GVR = fromHex('4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95')
const cfg = createBeaconConfig(mainnetChainConfig, GVR)
const ELECTRA_EPOCH = mainnetChainConfig.ELECTRA_FORK_EPOCH
const FORK_INFO = {
  fork: { previous_version: '0x04000000', current_version: '0x05000000', epoch: String(ELECTRA_EPOCH) },
  genesis_validators_root: hex(GVR),
}
const SLOT = ELECTRA_EPOCH * 32 + 17
const D = (n: number) => Uint8Array.from([n, 0, 0, 0])
// @lodestar/params' ForkName.phase0 (a string enum; the package is only a transitive dependency here)
const PHASE0 = 'phase0' as Parameters<ReturnType<typeof createBeaconConfig>['getDomainAtFork']>[0]
const lodestarRoot = (objectRoot: Uint8Array, domain: Uint8Array) =>
  hex(ssz.phase0.SigningData.hashTreeRoot({ objectRoot, domain }))

function check(body: Json, expected: string): SigningRootResult {
  const r = prepareSignRequest({ ...body, signingRoot: expected })
  expect(hex(r.signingRoot)).toBe(expected)
  expectVerifies(r)
  return r
}

describe('signing roots for all 14 types vs Lodestar', () => {
  it("covers every type (Web3Signer's 13 and Lodestar's BLS_TO_EXECUTION_CHANGE)", () => {
    expect([...SIGN_TYPES].sort()).toHaveLength(14)
  })

  it('BLOCK_V2: header, full block and blinded block give the same root; slot for slashing', () => {
    const block = ssz.deneb.BeaconBlock.defaultValue()
    block.slot = SLOT
    block.proposerIndex = 12345
    const expected = lodestarRoot(ssz.deneb.BeaconBlock.hashTreeRoot(block), cfg.getDomain(SLOT, D(0), SLOT))
    const header = {
      slot: String(SLOT),
      proposer_index: '12345',
      parent_root: hex(block.parentRoot),
      state_root: hex(block.stateRoot),
      body_root: hex(ssz.deneb.BeaconBlockBody.hashTreeRoot(block.body)),
    }
    const r = check(
      { type: 'BLOCK_V2', fork_info: FORK_INFO, beacon_block: { version: 'DENEB', block_header: header } },
      expected,
    )
    expect(r.slashing).toEqual({ kind: 'block', slot: BigInt(SLOT) })
    check(
      {
        type: 'BLOCK_V2',
        fork_info: FORK_INFO,
        beacon_block: { version: 'DENEB', block: ssz.deneb.BeaconBlock.toJson(block) },
      },
      expected,
    )
    const blinded = ssz.deneb.BlindedBeaconBlock.defaultValue()
    blinded.slot = SLOT
    const blindedExpected = lodestarRoot(
      ssz.deneb.BlindedBeaconBlock.hashTreeRoot(blinded),
      cfg.getDomain(SLOT, D(0), SLOT),
    )
    check(
      {
        type: 'BLOCK_V2',
        fork_info: FORK_INFO,
        beacon_block: { version: 'deneb', block: ssz.deneb.BlindedBeaconBlock.toJson(blinded) },
      },
      blindedExpected,
    )
  })

  it('BLOCK (phase0) before the fork epoch uses previous_version', () => {
    const block = ssz.phase0.BeaconBlock.defaultValue()
    block.slot = SLOT - 64 // two epochs before Electra: Deneb's version
    const expected = lodestarRoot(ssz.phase0.BeaconBlock.hashTreeRoot(block), cfg.getDomain(SLOT, D(0), SLOT - 64))
    check({ type: 'BLOCK', fork_info: FORK_INFO, block: ssz.phase0.BeaconBlock.toJson(block) }, expected)
  })

  it('ATTESTATION uses the target epoch', () => {
    const data = ssz.phase0.AttestationData.defaultValue()
    data.slot = SLOT
    data.index = 3
    data.source.epoch = ELECTRA_EPOCH - 1
    data.target.epoch = ELECTRA_EPOCH
    data.beaconBlockRoot = new Uint8Array(32).fill(0xaa)
    const expected = lodestarRoot(ssz.phase0.AttestationData.hashTreeRoot(data), cfg.getDomain(SLOT, D(1), SLOT))
    const r = check(
      { type: 'ATTESTATION', fork_info: FORK_INFO, attestation: ssz.phase0.AttestationData.toJson(data) },
      expected,
    )
    expect(r.slashing).toEqual({
      kind: 'attestation',
      source: BigInt(ELECTRA_EPOCH - 1),
      target: BigInt(ELECTRA_EPOCH),
    })
    expect(r.genesisValidatorsRoot).toEqual(GVR)
  })

  it('AGGREGATION_SLOT, RANDAO_REVEAL, SYNC_COMMITTEE_MESSAGE, SYNC_COMMITTEE_SELECTION_PROOF', () => {
    check(
      { type: 'AGGREGATION_SLOT', fork_info: FORK_INFO, aggregation_slot: { slot: String(SLOT) } },
      lodestarRoot(ssz.Slot.hashTreeRoot(SLOT), cfg.getDomain(SLOT, D(5), SLOT)),
    )
    check(
      { type: 'RANDAO_REVEAL', fork_info: FORK_INFO, randao_reveal: { epoch: String(ELECTRA_EPOCH) } },
      lodestarRoot(ssz.Epoch.hashTreeRoot(ELECTRA_EPOCH), cfg.getDomain(SLOT, D(2), SLOT)),
    )
    const bbr = new Uint8Array(32).fill(0x42)
    check(
      {
        type: 'SYNC_COMMITTEE_MESSAGE',
        fork_info: FORK_INFO,
        sync_committee_message: { beacon_block_root: hex(bbr), slot: String(SLOT) },
      },
      lodestarRoot(bbr, cfg.getDomain(SLOT, D(7), SLOT)),
    )
    const sel = { slot: SLOT, subcommitteeIndex: 2 }
    check(
      {
        type: 'SYNC_COMMITTEE_SELECTION_PROOF',
        fork_info: FORK_INFO,
        sync_aggregator_selection_data: { slot: String(SLOT), subcommittee_index: '2' },
      },
      lodestarRoot(ssz.altair.SyncAggregatorSelectionData.hashTreeRoot(sel), cfg.getDomain(SLOT, D(8), SLOT)),
    )
  })

  it('AGGREGATE_AND_PROOF_V2 ELECTRA (committee_bits) and phase0 AGGREGATE_AND_PROOF', () => {
    const aap = ssz.electra.AggregateAndProof.defaultValue()
    aap.aggregatorIndex = 77
    aap.aggregate.data.slot = SLOT
    aap.aggregate.committeeBits.set(3, true)
    const expected = lodestarRoot(ssz.electra.AggregateAndProof.hashTreeRoot(aap), cfg.getDomain(SLOT, D(6), SLOT))
    check(
      {
        type: 'AGGREGATE_AND_PROOF_V2',
        fork_info: FORK_INFO,
        aggregate_and_proof: { version: 'ELECTRA', data: ssz.electra.AggregateAndProof.toJson(aap) },
      },
      expected,
    )
    const p0 = ssz.phase0.AggregateAndProof.defaultValue()
    p0.aggregate.data.slot = SLOT
    check(
      {
        type: 'AGGREGATE_AND_PROOF',
        fork_info: FORK_INFO,
        aggregate_and_proof: ssz.phase0.AggregateAndProof.toJson(p0),
      },
      lodestarRoot(ssz.phase0.AggregateAndProof.hashTreeRoot(p0), cfg.getDomain(SLOT, D(6), SLOT)),
    )
  })

  it('SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF', () => {
    const cp = ssz.altair.ContributionAndProof.defaultValue()
    cp.aggregatorIndex = 9
    cp.contribution.slot = SLOT
    cp.contribution.aggregationBits.set(5, true)
    check(
      {
        type: 'SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF',
        fork_info: FORK_INFO,
        contribution_and_proof: ssz.altair.ContributionAndProof.toJson(cp),
      },
      lodestarRoot(ssz.altair.ContributionAndProof.hashTreeRoot(cp), cfg.getDomain(SLOT, D(9), SLOT)),
    )
  })

  it('BLS_TO_EXECUTION_CHANGE: the GENESIS fork version (capella process_bls_to_execution_change), as Lodestar', () => {
    const change = {
      validatorIndex: 123456,
      fromBlsPubkey: PK,
      toExecutionAddress: fromHex('0x00000000219ab540356cbb839cbe05303d7705fa'),
    }
    const objectRoot = ssz.capella.BLSToExecutionChange.hashTreeRoot(change)
    // Lodestar's state transition verifies it with config.getDomainAtFork(phase0, DOMAIN_BLS_TO_EXECUTION_CHANGE)
    const expected = lodestarRoot(objectRoot, cfg.getDomainAtFork(PHASE0, D(10)))
    // and by hand: 0x0a000000 ‖ hash_tree_root(ForkData{GENESIS_FORK_VERSION = 0x00000000, gvr})[0:28]
    const fdr = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: D(0), genesisValidatorsRoot: GVR })
    expect(lodestarRoot(objectRoot, Uint8Array.from([...D(10), ...fdr.subarray(0, 28)]))).toBe(expected)
    // not the current fork's domain (what a generic get_domain over fork_info would give)
    expect(lodestarRoot(objectRoot, cfg.getDomain(SLOT, D(10), SLOT))).not.toBe(expected)
    // Lodestar's wire form: the payload under the upper-case key, fork_info of the signing slot
    const body = {
      type: 'BLS_TO_EXECUTION_CHANGE',
      fork_info: FORK_INFO,
      BLS_TO_EXECUTION_CHANGE: ssz.capella.BLSToExecutionChange.toJson(change),
    }
    const r = check(body, expected)
    expect(r.slashing).toBeUndefined()
    expect(hex(r.genesisValidatorsRoot as Uint8Array)).toBe(hex(GVR))

    // another network: its own genesis fork version (hoodi 0x10000910), from the configured network
    const hoodi = KNOWN_NETWORKS.hoodi
    const hoodiCfg = createBeaconConfig(hoodiChainConfig, hoodi.genesisValidatorsRoot as Uint8Array)
    const hoodiExpected = lodestarRoot(objectRoot, hoodiCfg.getDomainAtFork(PHASE0, D(10)))
    const hoodiBody = {
      ...body,
      fork_info: { ...FORK_INFO, genesis_validators_root: hex(hoodiCfg.genesisValidatorsRoot) },
    }
    expect(hex(prepareSignRequest(hoodiBody, { network: hoodi }).signingRoot)).toBe(hoodiExpected)
    expect(hex(prepareSignRequest(hoodiBody).signingRoot)).toBe(hoodiExpected) // recognised by its gvr

    // an unknown network without a configured one: its genesis fork version is unknown → 400
    const unknown = { ...body, fork_info: { ...FORK_INFO, genesis_validators_root: hex(new Uint8Array(32).fill(9)) } }
    expect(codeOf(() => prepareSignRequest(unknown))).toBe('SIGNER_BAD_PAYLOAD')
    // malformed payloads
    const bad = { ...body, BLS_TO_EXECUTION_CHANGE: { ...body.BLS_TO_EXECUTION_CHANGE, to_execution_address: '0x12' } }
    expect(codeOf(() => prepareSignRequest(bad))).toBe('SIGNER_BAD_PAYLOAD')
    expect(codeOf(() => prepareSignRequest({ type: 'BLS_TO_EXECUTION_CHANGE', BLS_TO_EXECUTION_CHANGE: {} }))).toBe(
      'SIGNER_BAD_PAYLOAD',
    )
  })

  it('VOLUNTARY_EXIT is pinned to Capella on mainnet (EIP-7044) whatever fork_info says', () => {
    const exit = { epoch: ELECTRA_EPOCH, validatorIndex: 5 }
    const expected = lodestarRoot(
      ssz.phase0.VoluntaryExit.hashTreeRoot(exit),
      cfg.getDomainForVoluntaryExit(SLOT, SLOT),
    )
    const body = { type: 'VOLUNTARY_EXIT', voluntary_exit: { epoch: String(ELECTRA_EPOCH), validator_index: '5' } }
    check({ ...body, fork_info: FORK_INFO }, expected) // Teku/Web3Signer style: current fork info
    const capella = {
      previous_version: '0x02000000',
      current_version: '0x03000000',
      epoch: String(mainnetChainConfig.CAPELLA_FORK_EPOCH),
    }
    check({ ...body, fork_info: { ...FORK_INFO, fork: capella } }, expected) // Lodestar style: Capella fork info
    // an unknown network is trusted as sent
    const other = prepareSignRequest({
      ...body,
      fork_info: { ...FORK_INFO, genesis_validators_root: hex(new Uint8Array(32).fill(1)) },
    })
    expect(hex(other.signingRoot)).not.toBe(expected)
  })

  it('DEPOSIT and VALIDATOR_REGISTRATION use the genesis fork version and a zero root', () => {
    const msg = { pubkey: PK, withdrawalCredentials: new Uint8Array(32).fill(1), amount: 32_000_000_000 }
    const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
      currentVersion: fromHex('10000910'),
      genesisValidatorsRoot: new Uint8Array(32),
    })
    const depDomain = Uint8Array.from([...DOMAIN_DEPOSIT, ...forkDataRoot.subarray(0, 28)])
    const r = check(
      {
        type: 'DEPOSIT',
        deposit: {
          pubkey: hex(PK),
          withdrawal_credentials: hex(msg.withdrawalCredentials),
          amount: '32000000000',
          genesis_fork_version: '0x10000910',
        },
      },
      lodestarRoot(ssz.phase0.DepositMessage.hashTreeRoot(msg), depDomain),
    )
    expect(r.slashing).toBeUndefined()
    const reg = { feeRecipient: new Uint8Array(20).fill(3), gasLimit: 30_000_000, timestamp: 1_700_000_000, pubkey: PK }
    const hoodiFdr = ssz.phase0.ForkData.hashTreeRoot({
      currentVersion: fromHex('10000910'),
      genesisValidatorsRoot: new Uint8Array(32),
    })
    const regDomain = Uint8Array.from([...DOMAIN_APPLICATION_BUILDER, ...hoodiFdr.subarray(0, 28)])
    const body = {
      type: 'VALIDATOR_REGISTRATION',
      validator_registration: {
        fee_recipient: hex(reg.feeRecipient),
        gas_limit: '30000000',
        timestamp: '1700000000',
        pubkey: hex(PK),
      },
    }
    const expected = lodestarRoot(ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot(reg), regDomain)
    const rr = prepareSignRequest(body, { network: KNOWN_NETWORKS.hoodi })
    expect(hex(rr.signingRoot)).toBe(expected)
    expectVerifies(rr)
  })
})

describe('malformed requests', () => {
  const att: Json = {
    type: 'ATTESTATION',
    fork_info: FORK_INFO,
    attestation: ssz.phase0.AttestationData.toJson(ssz.phase0.AttestationData.defaultValue()) as Json,
  }
  const fulu: Json = {
    type: 'BLOCK_V2',
    fork_info: FORK_INFO,
    beacon_block: {
      version: 'FULU',
      block_header: ssz.phase0.BeaconBlockHeader.toJson(ssz.phase0.BeaconBlockHeader.defaultValue()),
    },
  }
  const bad: Array<[string, unknown, string]> = [
    ['not an object', 'x', 'SIGNER_BAD_PAYLOAD'],
    ['unknown type', { ...att, type: 'SOMETHING' }, 'SIGNER_BAD_PAYLOAD'],
    ['missing fork_info', { ...att, fork_info: undefined }, 'SIGNER_BAD_PAYLOAD'],
    [
      'uint64 overflow',
      { ...att, attestation: { ...(att.attestation as Json), slot: '18446744073709551616' } },
      'SIGNER_BAD_PAYLOAD',
    ],
    [
      'number instead of string',
      { ...att, attestation: { ...(att.attestation as Json), slot: 1 } },
      'SIGNER_BAD_PAYLOAD',
    ],
    ['hex slot', { ...att, attestation: { ...(att.attestation as Json), slot: '0x10' } }, 'SIGNER_BAD_PAYLOAD'],
    [
      'short root',
      { ...att, attestation: { ...(att.attestation as Json), beacon_block_root: '0x00' } },
      'SIGNER_BAD_PAYLOAD',
    ],
    ['GLOAS block', { ...fulu, beacon_block: { version: 'GLOAS', block_header: {} } }, 'SIGNER_BAD_PAYLOAD'],
    [
      'unknown fork version',
      {
        ...fulu,
        beacon_block: { ...(fulu.beacon_block as Json), version: 'GLOAS' },
      },
      'SIGNER_UNSUPPORTED_FORK',
    ],
    [
      'block and header both',
      { ...fulu, beacon_block: { version: 'FULU', block: {}, block_header: {} } },
      'SIGNER_BAD_PAYLOAD',
    ],
  ]
  it('a mismatching signingRoot (either spelling) is rejected; a matching one or none is accepted', () => {
    const right = hex(prepareSignRequest(att).signingRoot)
    expect(codeOf(() => prepareSignRequest({ ...att, signingRoot: `0x${'00'.repeat(32)}` }))).toBe(
      'SIGNER_SIGNING_ROOT_MISMATCH',
    )
    expect(codeOf(() => prepareSignRequest({ ...att, signing_root: `0x${'11'.repeat(32)}` }))).toBe(
      'SIGNER_SIGNING_ROOT_MISMATCH',
    )
    expect(hex(prepareSignRequest({ ...att, signingRoot: right }).signingRoot)).toBe(right)
    expect(prepareSignRequest(att).slashing).toEqual({ kind: 'attestation', source: 0n, target: 0n })
  })

  for (const [name, body, code] of bad) {
    it(name, () => {
      expect(codeOf(() => prepareSignRequest(body))).toBe(code)
    })
  }

  it('bad hex and out-of-range values deep inside a full block are refused with a path', () => {
    const block = ssz.phase0.BeaconBlock.toJson(ssz.phase0.BeaconBlock.defaultValue()) as Json
    const body = (b: Json) => ({ type: 'BLOCK', fork_info: FORK_INFO, block: b })
    const withBody = (patch: Json) => body({ ...block, body: { ...(block.body as Json), ...patch } })
    expect(codeOf(() => prepareSignRequest(withBody({ graffiti: `0x${'zz'.repeat(32)}` })))).toBe('SIGNER_BAD_PAYLOAD')
    expect(codeOf(() => prepareSignRequest(withBody({ graffiti: '0x00' })))).toBe('SIGNER_BAD_PAYLOAD')
    expect(
      codeOf(() =>
        prepareSignRequest(
          withBody({
            eth1_data: {
              deposit_root: hex(new Uint8Array(32)),
              deposit_count: ' 1',
              block_hash: hex(new Uint8Array(32)),
            },
          }),
        ),
      ),
    ).toBe('SIGNER_BAD_PAYLOAD')
    try {
      prepareSignRequest(withBody({ randao_reveal: 5 }))
    } catch (e) {
      expect((e as SignerError).meta.path).toBe('block.body.randao_reveal')
    }
  })

  it('uint64 values above 2^53 hash exactly', () => {
    const max = '18446744073709551615'
    const r = prepareSignRequest({ type: 'RANDAO_REVEAL', fork_info: FORK_INFO, randao_reveal: { epoch: max } })
    const expected = lodestarRoot(ssz.UintBn64.hashTreeRoot(2n ** 64n - 1n), cfg.getDomain(SLOT, D(2), SLOT))
    expect(hex(r.signingRoot)).toBe(expected)
  })
})
