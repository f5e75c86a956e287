import { fromHex } from '../../crypto/index.js'

/**
 * Public facts about the networks the signer knows by name: genesis fork version (deposits, builder
 * registrations), genesis_validators_root (used to recognise the network in fork_info) and the fork versions
 * from Capella on (EIP-7044 exit pinning). Sources: @lodestar/config networks (mainnet, sepolia, hoodi),
 * staking-deposit-cli v2.8.0 `settings.py` and ethstaker-deposit-cli `settings.py` (genesis fork versions, GVRs,
 * EXIT_FORK_VERSION = Capella); Holesky's later versions follow its 0xNN017000 scheme.
 */
export interface NetworkConfig {
  name: string
  genesisForkVersion: Uint8Array
  /** Unknown for networks that reset (custom devnets); then fork_info is trusted as sent. */
  genesisValidatorsRoot?: Uint8Array
  capellaForkVersion?: Uint8Array
  /** Fork versions of Deneb and every later fork: an exit signed under one of these is pinned to Capella. */
  postDenebForkVersions?: Uint8Array[]
}

const net = (
  name: string,
  gvr: string,
  versions: [string, string, string, string, string, string, string],
): NetworkConfig => ({
  name,
  genesisForkVersion: fromHex(versions[0]),
  genesisValidatorsRoot: fromHex(gvr),
  capellaForkVersion: fromHex(versions[3]),
  postDenebForkVersions: versions.slice(4).map(fromHex),
})

// versions: genesis, altair, bellatrix, capella, deneb, electra, fulu
export const KNOWN_NETWORKS: Readonly<Record<'mainnet' | 'sepolia' | 'holesky' | 'hoodi', NetworkConfig>> = {
  mainnet: net('mainnet', '4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95', [
    '00000000',
    '01000000',
    '02000000',
    '03000000',
    '04000000',
    '05000000',
    '06000000',
  ]),
  sepolia: net('sepolia', 'd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078', [
    '90000069',
    '90000070',
    '90000071',
    '90000072',
    '90000073',
    '90000074',
    '90000075',
  ]),
  holesky: net('holesky', '9143aa7c615a7f7115e2b6aac319c03529df8242ae705fba9df39b79c59fa8b1', [
    '01017000',
    '02017000',
    '03017000',
    '04017000',
    '05017000',
    '06017000',
    '07017000',
  ]),
  hoodi: net('hoodi', '212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f', [
    '10000910',
    '20000910',
    '30000910',
    '40000910',
    '50000910',
    '60000910',
    '70000910',
  ]),
}

export type KnownNetworkName = keyof typeof KNOWN_NETWORKS

export const isKnownNetwork = (name: string): name is KnownNetworkName => Object.hasOwn(KNOWN_NETWORKS, name)

const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** The known network whose genesis_validators_root is `gvr`, if any. */
export function knownNetworkByGenesisValidatorsRoot(gvr: Uint8Array): NetworkConfig | undefined {
  return Object.values(KNOWN_NETWORKS).find((n) => n.genesisValidatorsRoot && eq(n.genesisValidatorsRoot, gvr))
}

/** EIP-7044: the fork version for a voluntary exit's domain, given the version get_domain picked from fork_info. */
export function exitForkVersion(selected: Uint8Array, network: NetworkConfig | undefined): Uint8Array {
  if (!network?.capellaForkVersion || !network.postDenebForkVersions) return selected
  return network.postDenebForkVersions.some((v) => eq(v, selected)) ? network.capellaForkVersion : selected
}
