import { fromHex } from '../../crypto/index.js'
import { isKnownNetwork, KNOWN_NETWORKS, type NetworkConfig } from '../signing/index.js'
import { SignerServiceError } from './errors.js'

/** The network a signer serves, as the `[signer]` config names it. */
export interface SignerNetworkInput {
  /** mainnet | sepolia | holesky | hoodi, or "custom" (then the three values below are required). */
  network: string
  /** 0x-hex 32 bytes; overrides the known network's value, required for custom networks. */
  genesisValidatorsRoot?: string
  /** 0x-hex 4 bytes; overrides the known network's value, required for custom networks. */
  genesisForkVersion?: string
}

export type SignerNetwork = NetworkConfig & { genesisValidatorsRoot: Uint8Array }

function bytes(value: string, n: number, key: string): Uint8Array {
  if (!new RegExp(`^0x[0-9a-fA-F]{${2 * n}}$`).test(value)) {
    throw new SignerServiceError('SIGNER_BAD_CONFIG', `[signer] ${key} must be 0x-prefixed hex of ${n} bytes`)
  }
  return fromHex(value)
}

/**
 * Resolve the configured network. Custom networks get no EIP-7044 exit pinning (their fork schedule is unknown):
 * VOLUNTARY_EXIT is signed with the fork_info the client sends (Lodestar sends Capella's after Deneb). A signer always knows its genesis_validators_root: it binds slashing
 * protection and refuses sign requests whose fork_info names another network.
 */
export function resolveSignerNetwork(input: SignerNetworkInput): SignerNetwork {
  const base: NetworkConfig | undefined = isKnownNetwork(input.network) ? KNOWN_NETWORKS[input.network] : undefined
  if (!base && input.network !== 'custom') {
    throw new SignerServiceError(
      'SIGNER_BAD_CONFIG',
      `[signer] network must be one of ${Object.keys(KNOWN_NETWORKS).join(', ')} or custom`,
    )
  }
  const gvr = input.genesisValidatorsRoot
    ? bytes(input.genesisValidatorsRoot, 32, 'genesis_validators_root')
    : base?.genesisValidatorsRoot
  const gfv = input.genesisForkVersion
    ? bytes(input.genesisForkVersion, 4, 'genesis_fork_version')
    : base?.genesisForkVersion
  if (!gvr || !gfv) {
    throw new SignerServiceError(
      'SIGNER_BAD_CONFIG',
      '[signer] a custom network needs genesis_validators_root and genesis_fork_version',
    )
  }
  return {
    ...(base ?? { name: 'custom' }),
    genesisForkVersion: gfv,
    genesisValidatorsRoot: gvr,
  } as SignerNetwork
}
