import type { Command } from 'commander'

/**
 * The top-level commands, loaded on demand: `custos --version` or `custos init` must not load the node,
 * the EVM client, BLS and every other command's dependencies (that made any invocation take ~1.1 s). The
 * descriptions here are what `custos --help` lists; a test checks they equal each command's own.
 */
export interface CommandEntry {
  name: string
  description: string
  load: () => Promise<(program: Command) => void>
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'init',
    description: 'write a documented custos.toml (and a deny-all policy.json) into a home directory',
    load: async () => (await import('./initCommand.js')).registerInitCommand,
  },
  {
    name: 'start',
    description: 'run a Custos node from its home directory',
    load: async () => (await import('./startCommand.js')).registerStartCommand,
  },
  {
    name: 'dev',
    description: 'run a local devnet on loopback: 3 simulated KMS nodes (INSECURE TEE), a static policy, a demo app',
    load: async () => (await import('./devCommand.js')).registerDevCommand,
  },
  {
    name: 'agent',
    description:
      'run the dstack-compatible guest agent for the app in --home: fetch its keys from a KMS, serve /GetKey, /GetQuote, /Info, …',
    load: async () => (await import('./agentCommand.js')).registerAgentCommand,
  },
  {
    name: 'attest',
    description: "show this machine's TEE platform, fresh evidence and identity (exit 1 when no TEE is present)",
    load: async () => (await import('./attestCommand.js')).registerAttestCommand,
  },
  {
    name: 'signer',
    description:
      'validator remote signer tools: EIP-3076 conformance, deposit_data.json, pre-signed exits, high watermark',
    load: async () => (await import('./signerCommand.js')).registerSignerCommand,
  },
  {
    name: 'policy',
    description: 'policy tools (the rules deciding which apps and KMS peers get keys)',
    load: async () => (await import('./policyCommand.js')).registerPolicyCommand,
  },
  {
    name: 'contracts',
    description:
      'deploy and govern the Custos contracts (KMS registry, apps, committee) on an EVM chain; the evm policy backend reads them',
    load: async () => (await import('./contracts/command.js')).registerContractsCommand,
  },
  {
    name: 'mpc',
    description:
      'threshold-signing committee: derive (offline), node-key, status, public-key, sign (against a node API)',
    load: async () => (await import('./mpcCommand.js')).registerMpcCommand,
  },
  {
    name: 'config',
    description: 'show configuration reference',
    load: async () => (await import('./configCommand.js')).registerConfigCommand,
  },
]

/**
 * Register the command named on the command line in full and every other one as a listing-only stub.
 * `argv` is process.argv without the node and script entries.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const wanted = argv.find((a) => !a.startsWith('-'))
  // `custos help <cmd>` asks for that command's full help
  const target = wanted === 'help' ? argv[argv.indexOf('help') + 1] : wanted
  for (const entry of COMMANDS) {
    if (entry.name === target) (await entry.load())(program)
    else program.command(entry.name).description(entry.description)
  }
}
