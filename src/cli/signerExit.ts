import { ssz } from '@lodestar/types'
import { equalBytes, fromHex, type SecretBytes, toHex } from '../crypto/index.js'
import {
  computeDomain,
  computeSigningRoot,
  DOMAIN_VOLUNTARY_EXIT,
  exactUint64,
  type NetworkConfig,
  signRoot,
} from '../signer/index.js'
import { SignerCliError } from './signerErrors.js'

/** The beacon API `SignedVoluntaryExit` JSON (POST /eth/v1/beacon/pool/voluntary_exits): decimal strings, 0x hex. */
export interface SignedVoluntaryExitJson {
  message: { epoch: string; validator_index: string }
  signature: string
}

const MAX_U64 = (1n << 64n) - 1n

/** A uint64 option given as a decimal string. */
export function parseUint64Option(value: string, option: string): bigint {
  if (!/^[0-9]{1,20}$/.test(value) || BigInt(value) > MAX_U64) {
    throw new SignerCliError('CLI_BAD_OPTION', `${option} must be a decimal integer from 0 to 2^64-1`)
  }
  return BigInt(value)
}

/**
 * The EIP-7044 exit domain: compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION, genesis_validators_root).
 * `--genesis-validators-root` supplies or (for a known network) must agree with the network's root.
 */
export function exitDomain(network: NetworkConfig, genesisValidatorsRootHex?: string): Uint8Array {
  let gvr = network.genesisValidatorsRoot
  if (genesisValidatorsRootHex !== undefined) {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(genesisValidatorsRootHex)) {
      throw new SignerCliError('CLI_BAD_OPTION', '--genesis-validators-root must be 32 bytes of hex')
    }
    const given = fromHex(genesisValidatorsRootHex)
    if (gvr && !equalBytes(gvr, given)) {
      throw new SignerCliError(
        'CLI_BAD_OPTION',
        `--genesis-validators-root differs from ${network.name}'s (0x${toHex(gvr)}); an exit signed under it would be invalid`,
      )
    }
    gvr = given
  }
  if (!gvr) {
    throw new SignerCliError(
      'CLI_BAD_OPTION',
      `network ${network.name} has no genesis validators root: pass --genesis-validators-root 0x… or set genesis_validators_root in the network config`,
    )
  }
  if (!network.capellaForkVersion) {
    throw new SignerCliError(
      'CLI_BAD_NETWORK_CONFIG',
      `network ${network.name} has no Capella fork version: set capella_fork_version in the network config (exits are signed under it, EIP-7044)`,
    )
  }
  return computeDomain(DOMAIN_VOLUNTARY_EXIT, network.capellaForkVersion, gvr)
}

const voluntaryExitType = () => exactUint64(ssz.phase0.VoluntaryExit)

/** Sign VoluntaryExit{epoch, validator_index} under `domain`. */
export function signVoluntaryExit(
  secretKey: SecretBytes,
  domain: Uint8Array,
  epoch: bigint,
  validatorIndex: bigint,
): SignedVoluntaryExitJson {
  const root = computeSigningRoot(voluntaryExitType(), { epoch, validatorIndex }, domain)
  return {
    message: { epoch: epoch.toString(), validator_index: validatorIndex.toString() },
    signature: `0x${toHex(signRoot(secretKey, root))}`,
  }
}
