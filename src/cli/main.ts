import 'reflect-metadata'
import { Command, CommanderError } from 'commander'
import { CustosError } from '../errors.js'
import { registerAgentCommand } from './agentCommand.js'
import { registerAttestCommand } from './attestCommand.js'
import { registerConfigCommand } from './configCommand.js'
import { registerContractsCommand } from './contracts/command.js'
import { registerDevCommand } from './devCommand.js'
import { registerInitCommand } from './initCommand.js'
import { registerPolicyCommand } from './policyCommand.js'
import { registerSignerCommand } from './signerCommand.js'
import { registerStartCommand } from './startCommand.js'

const program = new Command()
  .name('custos')
  .description(
    'Custos: attested key management for TEEs (SGX, TDX, Nitro). dstack-compatible KMS; simulated TEE for laptops and CI.',
  )
  .version('0.1.0')
  .showHelpAfterError('(run `custos --help` for usage)')
  .exitOverride()
  .enablePositionalOptions()

registerInitCommand(program)
registerStartCommand(program)
registerDevCommand(program)
registerAgentCommand(program)
registerAttestCommand(program)
registerSignerCommand(program)
registerPolicyCommand(program)
registerContractsCommand(program)
registerConfigCommand(program)

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode)
  if (e instanceof CustosError) {
    process.stderr.write(`error: ${e.shortMessage}\n`)
    process.exit(1)
  }
  // Unexpected errors: the message, and the stack only when asked for (CUSTOS_DEBUG=1).
  const err = e as Error
  process.stderr.write(`error: ${process.env.CUSTOS_DEBUG ? (err?.stack ?? String(e)) : (err?.message ?? String(e))}\n`)
  process.exit(1)
}
